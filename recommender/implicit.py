"""Implicit-feedback head: weighted ALS on "the user rated this title".

RMSE-trained factors rank poorly because they never see which titles a user
chose to watch; this head models exactly that, with confidence 1 + alpha on
rated titles and 1 on the rest (Hu, Koren & Volinsky 2008). Epochs use
warm-started conjugate gradient; the final user solve is exact, so a trained
user's vector is exactly what fold-in computes.
"""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import ImplicitPart
from recommender.settings import Settings

CG_STEPS = 3


def solve_side(csr: Csr, other: np.ndarray, reg: float, alpha: float,
               start: np.ndarray | None) -> np.ndarray:
    """x_u = (Y^T Y + alpha sum_i y_i y_i^T + reg I)^-1 (1 + alpha) sum_i y_i; exact if start is None."""
    k = other.shape[1]
    base = (other.T @ other + reg * np.eye(k, dtype=np.float32)).astype(np.float32)
    extra = np.full(len(csr.indices), alpha, dtype=np.float32)
    table = linalg.full_outer_table(other)
    out = np.empty((len(csr.indptr) - 1, k), dtype=np.float32)
    for lo, hi in linalg.chunks(csr, k * k):
        g, h = linalg.hybrid_grams(csr, extra, other, table, lo, hi)
        g += base
        h *= np.float32(1.0 + alpha)
        out[lo:hi] = linalg.solve_spd(g, h) if start is None else \
            linalg.cg_solve(g, h, start[lo:hi], CG_STEPS if start.any() else 2 * CG_STEPS)
    return out


def train_implicit(matrix: RatingsMatrix, settings: Settings, rng: np.random.Generator,
                   progress=None) -> ImplicitPart:
    """Alternate item and user solves, ending on an exact user solve."""
    k, s = settings.implicit_rank, settings
    users = rng.normal(0, 0.01, (matrix.n_users, k)).astype(np.float32)
    items = np.zeros((matrix.n_items, k), dtype=np.float32)
    for epoch in range(s.implicit_epochs):
        last = epoch == s.implicit_epochs - 1
        items = solve_side(matrix.by_item(), users, s.implicit_reg, s.implicit_alpha, items)
        users = solve_side(matrix.by_user(), items, s.implicit_reg, s.implicit_alpha,
                           None if last else users)
        if progress:
            progress(epoch + 1, s.implicit_epochs)
    items64 = items.astype(np.float64)
    return ImplicitPart(users, items, items64.T @ items64, s.implicit_reg, s.implicit_alpha)
