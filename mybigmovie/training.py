"""Training a model from the ratings-matrix read model and publishing it for every process.

The web and worker processes pick the new artifact up through ``recommender.artifact.ModelHolder``
without restarting (hot swap). Catalog titles nobody rated in the history are added with scores
from the catalog prior (their real rating counts and means, genres, decade, directors), so the
long tail is ranked sensibly rather than left out.

Members' "not interested" titles (movies and shows, the dismissals read model) are part of the
training input; the implicit head counts them as confident zeros only when ``dismissal_alpha`` > 0,
which is off by default (it lowered nDCG@10 on held-out data: bench/README-recommender.md). An
operator turns it on with MYBIGMOVIE_DISMISSAL_ALPHA=<weight> for ``mybigmovie train`` and the
retraining worker alike.
"""
from __future__ import annotations

import asyncio
import json
import math
import os
from functools import partial
from typing import Callable

import numpy as np

from mybigmovie.bootstrap import Services
from projections.dismissals import Dismissals, load_dismissals
from projections.ratings_matrix import NAME as RATINGS_MATRIX
from projections.ratings_matrix import load_ratings_matrix
from recommender import artifact
from recommender.catalog import with_catalog_items
from recommender.cli import publish
from recommender.matrix import RatingsMatrix
from recommender.evaluation import rmse
from recommender.model import Model, predict
from recommender.prior import content_features
from recommender.settings import PRESETS
from recommender.tv import show_item_id, show_ratings

Progress = Callable[[int, int], None]


class NothingToTrainOn(ValueError):
    """The log holds no ratings yet."""


DISMISSAL_ALPHA = "MYBIGMOVIE_DISMISSAL_ALPHA"  # environment: the weight of "not interested" (default off)


async def train(services: Services, preset: str = "fast", include_synthetic: bool = False,
                progress: Progress | None = None, keep: int = 3, dismissal_alpha: float | None = None) -> Model:
    """Fit on every rating (and dismissal) the read models hold and publish the artifact; return the model.

    ``dismissal_alpha`` overrides the preset's weight of dismissals (else $MYBIGMOVIE_DISMISSAL_ALPHA).
    """
    if preset not in PRESETS:
        raise ValueError(f"no preset {preset!r}: choose one of {', '.join(sorted(PRESETS))}")
    settings = PRESETS[preset]
    if dismissal_alpha is None and os.environ.get(DISMISSAL_ALPHA):
        dismissal_alpha = float(os.environ[DISMISSAL_ALPHA])
    if dismissal_alpha is not None:
        settings = settings.with_(dismissal_alpha=dismissal_alpha)
    await services.projector.run_once()  # train on everything the log holds right now
    trained_up_to = (await services.registry.active(RATINGS_MATRIX)).checkpoint
    matrix = with_show_ratings(await load_ratings_matrix(services.registry, include_synthetic=include_synthetic),
                               await _site_show_ratings(services))
    if len(matrix) == 0:
        raise NothingToTrainOn("there are no ratings to train on yet: import some first (mybigmovie import)")
    matrix = with_dismissals(matrix, await load_dismissals(services.registry))
    catalog = await _catalog(services)
    return await asyncio.to_thread(
        publish, matrix, services.settings.model_dir, settings, 0, trained_up_to, keep, progress,
        partial(_finish, matrix=matrix, catalog=catalog))


def with_dismissals(matrix: RatingsMatrix, dismissals: Dismissals) -> RatingsMatrix:
    """The matrix with members' dismissals attached: movies as they are, shows by their item ids."""
    shows = np.array([show_item_id(show) for show in dismissals.shows.tolist()], dtype=np.int64)
    return matrix.with_dismissals(np.r_[dismissals.movie_users, dismissals.show_users],
                                  np.r_[dismissals.movies, shows].astype(np.int64))


def _finish(model: Model, matrix: RatingsMatrix, catalog: list[dict]) -> Model:
    """Record what the model was trained on and how well it fits it, then add the untrained catalog."""
    sample = np.random.default_rng(0).choice(len(matrix), size=min(len(matrix), 100_000), replace=False)
    fitted = predict(model, matrix.users[sample], matrix.items[sample])
    model.metrics.update(ratings=len(matrix), users=matrix.n_users, rated_titles=matrix.n_items,
                         dismissals=matrix.n_dismissed,
                         train_rmse=round(rmse(fitted, matrix.ratings[sample]), 4))
    return _with_catalog(model, catalog)


async def _site_show_ratings(services: Services) -> tuple[list, list, list]:
    """(users, show item ids, stars): members' show ratings, and episode ratings folded into shows."""
    shows, episodes = ([], [], []), ([], [], [])
    async for user_id, show_ratings_, episode_ratings in services.reads.members_show_ratings():
        for show, stars in show_ratings_.items():
            shows[0].append(user_id), shows[1].append(show_item_id(show)), shows[2].append(stars)
        for key, stars in episode_ratings.items():
            episodes[0].append(user_id), episodes[1].append(show_item_id(key.split(":")[0])), episodes[2].append(stars)
    return show_ratings(*shows, *episodes) if episodes[0] else shows


def with_show_ratings(matrix: RatingsMatrix, shows: tuple) -> RatingsMatrix:
    """The movie ratings plus show ratings: shows are items of the same model (recommender.tv)."""
    if not len(shows[0]):
        return matrix
    return RatingsMatrix.from_triples(np.r_[matrix.user_ids[matrix.users], np.asarray(shows[0], dtype=str)],
                                      np.r_[matrix.item_ids[matrix.items], shows[1]], np.r_[matrix.ratings, shows[2]])


async def _catalog(services: Services) -> list[dict]:
    """Every listed title with what the prior needs; shows under their item ids, IMDb figures rescaled."""
    movies, shows = await services.reads.titles_for_training()
    # IMDb counts votes, ~25 for each rating MovieLens would have: popularity is the comparable count
    return movies + [{**show, "_id": show_item_id(show["_id"]), "rating_count": show.get("popularity")}
                     for show in shows]


def _with_catalog(model: Model, catalog: list[dict]) -> Model:
    if not catalog:
        return model
    features, _ = content_features([m.get("genres") or () for m in catalog], [m.get("year") or 0 for m in catalog],
                                   [m.get("directors") or () for m in catalog])
    counts = np.array([m.get("rating_count") or 0 for m in catalog], dtype=float)
    means = np.array([m.get("rating_mean") if m.get("rating_mean") is not None else math.nan for m in catalog])
    return with_catalog_items(model, np.array([m["_id"] for m in catalog]), features, counts, means)


async def needs_training(services: Services, min_new_events: int = 50) -> bool:
    """True when no model exists, or the log has grown by ``min_new_events`` since the newest one."""
    directory = services.settings.model_dir
    if (latest := artifact.latest_version(directory)) is None:
        return True
    trained_up_to = json.loads((directory / f"model-{latest}.json").read_text())["trained_up_to"]
    return (await services.store.head()) - trained_up_to >= min_new_events
