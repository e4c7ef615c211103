"""Order titles for a user, explain a score, find similar titles.

Score = implicit-feedback score (will they pick it?) + rating_weight *
confidence * (predicted rating - mean) (will they like it?). A user with no
ratings gets the damped-mean popularity order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.foldin import UserState, implicit_system, rating_system
from recommender.model import Model

CONFIDENCE_DAMPING = 10.0  # ratings before an item's predicted rating is fully trusted
SIMILAR_DAMPING = 10.0  # ratings before an item counts fully as "similar"


def popularity_scores(model: Model) -> np.ndarray:
    """Damped mean rating: (sum + m * mean) / (count + m), m = popularity_damping."""
    if "popularity" not in model._cache:
        m = float(model.settings.get("popularity_damping", 1000.0))
        model._cache["popularity"] = ((model.item_rating_sums + m * model.global_mean)
                                      / (model.item_counts + m)).astype(np.float32)
    return model._cache["popularity"]


def _confidence(model: Model) -> np.ndarray:
    if "confidence" not in model._cache:
        c = (model.item_counts + 1.0) / (model.item_counts + 1.0 + CONFIDENCE_DAMPING)
        model._cache["confidence"] = (c * _rating_weight(model)).astype(np.float32)
    return model._cache["confidence"]


def _rating_weight(model: Model) -> float:
    return float(model.settings.get("rating_weight", 0.0)) if model.implicit is not None else 1.0


def scores(model: Model, state: UserState | None) -> np.ndarray:
    """A ranking score for every item of the model (higher is better)."""
    if state is None or (len(state.rated) == 0 and state.implicit_vector is None):
        return popularity_scores(model).copy()
    implicit = model.implicit is not None and state.implicit_vector is not None
    weight = _rating_weight(model) > 0
    parts = ([state.implicit_vector] if implicit else []) + ([state.vector, [1.0]] if weight else [])
    if not parts:
        return np.zeros(len(model.item_ids), dtype=np.float32)
    return _item_table(model, implicit, weight) @ np.concatenate(parts).astype(np.float32)


def _item_table(model: Model, implicit: bool, weight: bool) -> np.ndarray:
    """[implicit factors | confidence * (rating factors, item bias)]: one GEMV scores every item."""
    key = ("table", implicit, weight)
    if key not in model._cache:
        r, cols = model.rating, []
        if implicit:
            cols.append(model.implicit.item_factors)
        if weight:
            conf = _confidence(model)[:, None]
            cols += [conf * r.item_factors, conf * r.item_bias[:, None]]
        model._cache[key] = np.ascontiguousarray(np.hstack(cols), dtype=np.float32)
    return model._cache[key]


def recommend(model: Model, user_state: UserState | None, k: int, exclude=(), candidates=None):
    """Top-k [(item_id, score)], skipping rated and excluded items (not seen, not interested)."""
    s = scores(model, user_state)
    if user_state is not None:
        s[user_state.rated] = -np.inf
    return best(model, s, k, exclude, candidates)


def best(model: Model, s: np.ndarray, k: int, exclude=(), candidates=None):
    """Top-k [(item_id, score)] by the scores ``s`` (one per item; changed in place), ``exclude`` left out."""
    if len(exclude):
        idx = model.item_index(np.fromiter(exclude, dtype=model.item_ids.dtype))
        s[idx[idx >= 0]] = -np.inf
    if candidates is None:
        top = top_positions(s, k)
    else:
        pool = _indices(model, candidates)
        top = pool[top_positions(s[pool], k)]
    return [(model.item_ids[t].item(), float(s[t])) for t in top if np.isfinite(s[t])]


def _indices(model: Model, ids) -> np.ndarray:
    idx = model.item_index(np.asarray(list(ids)))
    return idx[idx >= 0]


def top_positions(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest ``values``, largest first."""
    k = min(k, len(values))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(values, len(values) - k)[len(values) - k:]
    return part[np.argsort(-values[part], kind="stable")]


def explain(model: Model, user_ratings, item_id, top: int = 3):
    """[(rated item_id, contribution)] behind item_id's score, largest first.

    Both heads are linear in the user's ratings once the fold-in system A is
    fixed: implicit score_i = sum_j (1+alpha) y_i^T A^-1 y_j, rating term =
    sum_j f_i^T A^-1 f_j t_j / noise_var (Hu et al. 2008, sec. 5), so each rated
    title's share is exact; the prior's share is left out. `user_ratings` is
    (item_ids, ratings).
    """
    items, ratings = (np.asarray(x) for x in user_ratings)
    idx = model.item_index(items)
    target = int(model.item_index(np.asarray([item_id]))[0])
    known = idx >= 0
    if target < 0 or not known.any():
        return []
    rated, values = idx[known], ratings[known].astype(np.float64)
    contrib = _rating_contributions(model, rated, values, target)
    if model.implicit is not None:
        contrib += _implicit_contributions(model, rated, target)
    order = np.argsort(-contrib, kind="stable")[:top]
    return [(items[known][j].item(), float(contrib[j])) for j in order if contrib[j] > 0]


def _rating_contributions(model, rated, values, target) -> np.ndarray:
    weight = float(_confidence(model)[target])
    if weight == 0:
        return np.zeros(len(rated))
    a, _, feats = rating_system(model.rating, rated, values)
    f_t = np.r_[model.rating.item_factors[target], 1.0]
    targets = values - model.global_mean - model.rating.item_bias[rated]
    return weight * (feats @ np.linalg.solve(a, f_t)) * targets / model.rating.noise_var


def _implicit_contributions(model, rated, target) -> np.ndarray:
    a, y = implicit_system(model.implicit, rated)
    y_t = model.implicit.item_factors[target].astype(np.float64)
    return (1 + model.implicit.alpha) * (y @ np.linalg.solve(a, y_t))


def similar(model: Model, item_id, k: int = 10):
    """[(item_id, similarity)]: mean cosine over both factor spaces, shrunk for rarely-rated titles.

    The rating factors say "liked by the same people", the implicit ones
    "watched by the same people"; either alone mixes in the other's mistakes.
    """
    target = int(model.item_index(np.asarray([item_id]))[0])
    if target < 0:
        return []
    tables = _unit_factors(model)
    sim = sum(t @ t[target] for t in tables) / len(tables)
    sim *= model.item_counts / (model.item_counts + SIMILAR_DAMPING)
    sim[target] = -np.inf
    best = top_positions(sim, k)
    return [(model.item_ids[j].item(), float(sim[j])) for j in best if np.isfinite(sim[j])]


def _unit_factors(model: Model) -> list:
    if "unit" not in model._cache:
        tables = [model.rating.item_factors]
        if model.implicit is not None:
            tables.append(model.implicit.item_factors)
        model._cache["unit"] = [f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
                                for f in tables]
    return model._cache["unit"]


def predicted_ratings(model: Model, state: UserState, idx: np.ndarray) -> np.ndarray:
    """The rating head's prediction for the items at dense indices ``idx``: global mean, item bias and
    the member's folded-in factors and bias, clipped to the rating scale. The formula of
    ``recommender.model.predict`` (which the accuracy bench scores) with the fold-in's vector in
    place of a trained user's: what a card says the member would give a title."""
    r = model.rating
    raw = (r.global_mean + r.item_bias[idx] + r.item_factors[idx] @ state.vector.astype(np.float32)
           + state.bias)
    return np.clip(raw, *model.rating_range)


@dataclass
class Explainer:
    """A member's side of ``explain``, worked out once while their ratings stay the same: each
    rated item's row of both heads' fold-in systems (scaled by what the rating says) and the
    systems themselves. ``strongest_reasons`` then costs one small solve per head for a page."""

    ratings: np.ndarray
    rating_rows: np.ndarray  # [q_j, 1] * (r_j - mean - b_j) / noise_var, one row per rated item
    rating_system: np.ndarray
    implicit_rows: np.ndarray | None
    implicit_system: np.ndarray | None


def explainer(model: Model, state: UserState) -> Explainer:
    a, _, feats = rating_system(model.rating, state.rated, state.ratings)
    targets = state.ratings - model.global_mean - model.rating.item_bias[state.rated]
    a_imp = y = None
    if model.implicit is not None and len(state.rated):
        a_imp, y = implicit_system(model.implicit, state.rated)
        y = (1 + model.implicit.alpha) * y
    return Explainer(state.ratings, feats * (targets / model.rating.noise_var)[:, None], a, y, a_imp)


def strongest_reasons(model: Model, member: Explainer, idx: np.ndarray,
                      liked: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each item at dense index ``idx``: (position among the member's rated items of the one
    that adds most to its score, that share of the score); position -1 where none adds anything.
    With ``liked``, items rated at least that come first: the strongest of them where one adds
    anything (a reason people recognise: "you liked X"), else the strongest of all (a dislike that
    lifts a title is as much the model's reason).

    ``explain`` for many targets at once: the same exact decomposition, one solve per head for all
    of them."""
    if len(member.ratings) == 0 or len(idx) == 0:
        return np.full(len(idx), -1), np.zeros(len(idx))
    weight = _confidence(model)[idx].astype(np.float64)
    f_t = np.hstack([model.rating.item_factors[idx], np.ones((len(idx), 1), np.float32)]).astype(np.float64)
    contrib = (member.rating_rows @ np.linalg.solve(member.rating_system, f_t.T)) * weight[None, :]
    if member.implicit_rows is not None:
        y_t = model.implicit.item_factors[idx].astype(np.float64)
        contrib += member.implicit_rows @ np.linalg.solve(member.implicit_system, y_t.T)
    columns = np.arange(len(idx))
    best = contrib.argmax(axis=0)
    if liked is not None and (member.ratings >= liked).any():
        preferred = np.where((member.ratings >= liked)[:, None], contrib, -np.inf).argmax(axis=0)
        best = np.where(contrib[preferred, columns] > 0, preferred, best)
    share = contrib[best, columns]
    return np.where(share > 0, best, -1), share
