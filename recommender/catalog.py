"""Add the catalog's never-rated titles to a trained model, scored by the prior."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from recommender.model import Model
from recommender.prior import cold_item_params


def with_catalog_items(model: Model, catalog_ids, features, counts, means,
                       damping: float = 10.0) -> Model:
    """A copy of `model` that also ranks every catalog title it was not trained on.

    catalog_ids[n] has content row features[n] and catalog stats counts[n],
    means[n] (0 and nan when unknown). Popularity of a new title uses the
    ratings it would be expected to have here: catalog count scaled by our
    share of all catalog ratings.
    """
    catalog_ids = np.asarray(catalog_ids)
    trained = model.item_index(catalog_ids)
    rows = np.flatnonzero(trained >= 0)
    imp = None if model.implicit is None else model.implicit.item_factors[trained[rows]]
    bias, factors, implicit = cold_item_params(
        features, rows, model.rating.item_bias[trained[rows]], model.rating.item_factors[trained[rows]],
        imp, counts, means, model.global_mean, damping)
    new = np.flatnonzero(trained < 0)
    counts = np.nan_to_num(np.asarray(counts, float))
    share = model.item_counts.sum() / max(counts[rows].sum(), 1.0)
    expected = counts[new] * share
    return _append(model, catalog_ids[new], bias[new], factors[new],
                   None if implicit is None else implicit[new], expected,
                   expected * (model.global_mean + bias[new]))


def _append(model: Model, ids, bias, factors, implicit, counts, sums) -> Model:
    r = replace(model.rating,
                item_factors=np.vstack([model.rating.item_factors, factors]).astype(np.float32),
                item_bias=np.r_[model.rating.item_bias, bias].astype(np.float32))
    imp = model.implicit
    if imp is not None:
        imp = replace(imp, item_factors=np.vstack([imp.item_factors, implicit]).astype(np.float32))
    return replace(model, item_ids=np.r_[model.item_ids, ids], rating=r, implicit=imp,
                   item_counts=np.r_[model.item_counts, counts].astype(np.float32),
                   item_rating_sums=np.r_[model.item_rating_sums, sums].astype(np.float32),
                   _cache={})
