"""Instant personalisation: re-solve one user's vectors against fixed item factors.

This is the same equation training solves for every user, so a user's
vectors are the ones retraining would give if the items stayed put; it takes
well under a millisecond for a few hundred ratings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.model import Model
from recommender.parts import ImplicitPart, RatingPart


@dataclass
class UserState:
    """What ranking needs about one user: rated items (dense indices) and vectors."""

    rated: np.ndarray
    ratings: np.ndarray
    rating_vector: np.ndarray  # user factors followed by the user bias
    implicit_vector: np.ndarray | None

    @property
    def vector(self) -> np.ndarray:
        return self.rating_vector[:-1]

    @property
    def bias(self) -> float:
        return float(self.rating_vector[-1])


def rating_system(part: RatingPart, rated: np.ndarray, ratings: np.ndarray):
    """(A, b, F) with A x = b the user's posterior-mean equation, F = [q_j, 1] rows."""
    feats = np.hstack([part.item_factors[rated], np.ones((len(rated), 1), np.float32)]).astype(np.float64)
    targets = ratings - part.global_mean - part.item_bias[rated]
    damp = max(len(rated), 1) ** part.reg_exponent
    a = feats.T @ feats / part.noise_var + damp * part.prior_precision
    b = feats.T @ targets / part.noise_var + damp * part.prior_precision @ part.prior_mean
    return a, b, feats


def implicit_system(part: ImplicitPart, rated: np.ndarray, dismissed: np.ndarray | None = None):
    """(A, Y) with A = Y^T Y + alpha Y_u^T Y_u + dismissal_alpha Z_u^T Z_u + reg I.

    Y_u are the user's rated rows, Z_u their dismissed ones (confident zeros, see implicit.py).
    """
    y = part.item_factors[rated].astype(np.float64)
    a = part.gramian + part.alpha * (y.T @ y) + part.reg * np.eye(len(part.gramian))
    if dismissed is not None and len(dismissed) and part.dismissal_alpha > 0:
        z = part.item_factors[dismissed].astype(np.float64)
        a += part.dismissal_alpha * (z.T @ z)
    return a, y


def fold_in(model: Model, rated_items, ratings, dismissed_items=()) -> UserState:
    """Solve a user's rating vector (+bias) and implicit vector from their ratings.

    Items the model does not know are ignored; with no ratings the rating
    vector is the population prior mean and the implicit vector is None.
    `dismissed_items` ("not interested", not rated) weigh on the implicit
    vector as in training when the model was trained with dismissal_alpha > 0.
    """
    idx = model.item_index(np.asarray(rated_items))
    known = idx >= 0
    rated, values = idx[known], np.asarray(ratings, dtype=np.float64)[known]
    a, b, _ = rating_system(model.rating, rated, values)
    vector = np.linalg.solve(a, b)
    implicit = None
    if model.implicit is not None and len(rated):
        a_imp, y = implicit_system(model.implicit, rated, dismissed_indices(model, dismissed_items, rated))
        implicit = np.linalg.solve(a_imp, (1 + model.implicit.alpha) * y.sum(0))
    return UserState(rated, values, vector, implicit)


def dismissed_indices(model: Model, dismissed_items, rated: np.ndarray) -> np.ndarray:
    """Dense indices of the dismissed items the model knows, minus rated ones (a rating says more)."""
    if not len(dismissed_items) or model.implicit is None or model.implicit.dismissal_alpha <= 0:
        return np.empty(0, dtype=np.int64)
    idx = np.unique(model.item_index(np.asarray(list(dismissed_items))))
    return np.setdiff1d(idx[idx >= 0], rated)


def trained_state(model: Model, user_id, rated_items=(), ratings=()) -> UserState | None:
    """The state of a user as trained (None if the model never saw them)."""
    u = int(model.user_index(np.asarray([user_id]))[0])
    if u < 0:
        return None
    idx = model.item_index(np.asarray(rated_items))
    r = model.rating
    vector = np.r_[r.user_factors[u], r.user_bias[u]].astype(np.float64)
    implicit = None if model.implicit is None else model.implicit.user_factors[u].astype(np.float64)
    return UserState(idx[idx >= 0], np.asarray(ratings, float)[idx >= 0], vector, implicit)
