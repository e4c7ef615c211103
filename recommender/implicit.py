"""Implicit-feedback head: weighted ALS on "the user rated this title".

RMSE-trained factors rank poorly because they never see which titles a user
chose to watch; this head models exactly that, with confidence 1 + alpha on
rated titles and 1 on the rest (Hu, Koren & Volinsky 2008), solved exactly.
"""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import ImplicitPart
from recommender.settings import Settings


def solve_side(csr: Csr, other: np.ndarray, reg: float, alpha: float) -> np.ndarray:
    """x_u = (Y^T Y + alpha * sum_i y_i y_i^T + reg I)^-1 (1 + alpha) sum_i y_i."""
    base = other.T @ other + reg * np.eye(other.shape[1])
    n = len(csr.indptr) - 1
    extra = np.full(len(csr.indices), alpha)
    conf = np.full(len(csr.indices), 1.0 + alpha)
    out = np.empty((n, other.shape[1]))
    for lo, hi in linalg.chunks(csr, other.shape[1] ** 2):
        g, h = linalg.grams(csr, extra, conf, other, lo, hi)
        g += base
        out[lo:hi] = linalg.solve_spd(g, h)
    return out


def train_implicit(matrix: RatingsMatrix, settings: Settings, rng: np.random.Generator,
                   progress=None) -> ImplicitPart:
    """Alternate item and user solves, ending on users (so fold-in matches training)."""
    k, s = settings.implicit_rank, settings
    users = rng.normal(0, 0.01, (matrix.n_users, k))
    for epoch in range(s.implicit_epochs):
        items = solve_side(matrix.by_item(), users, s.implicit_reg, s.implicit_alpha)
        users = solve_side(matrix.by_user(), items, s.implicit_reg, s.implicit_alpha)
        if progress:
            progress(epoch + 1, s.implicit_epochs)
    return ImplicitPart(users.astype(np.float32), items.astype(np.float32),
                        (items.T @ items), s.implicit_reg, s.implicit_alpha)
