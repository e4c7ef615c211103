"""Implicit-feedback head: weighted ALS on "the user rated this title".

RMSE-trained factors rank poorly because they never see which titles a user
chose to watch; this head models exactly that, with confidence 1 + alpha on
rated titles and 1 on the rest (Hu, Koren & Volinsky 2008). Epochs use
warm-started conjugate gradient; the final user solve is exact, so a trained
user's vector is exactly what fold-in computes.

"Not interested" enters here as an observed zero: preference 0, like every
title the user never touched, but with confidence 1 + dismissal_alpha instead
of 1. That is how this model already reads evidence: in Hu-Koren-Volinsky the
preference is binary and the confidence says how sure we are of it; an
unobserved title is a weak zero (unknown, or unwanted), a dismissed one is a
zero the user stated. It adds dismissal_alpha * y_j y_j^T to the user's system
(and dismissal_alpha * x_u x_u^T to the item's) and nothing to the right-hand
side. With the item factors fixed (fold-in), Sherman-Morrison gives the
dismissed title's new score as its old one divided by
1 + dismissal_alpha y_j^T A^-1 y_j: it shrinks toward 0 and never changes sign
(a zero is not a "negative pick"), and titles with similar factors move the
same way. A user who only dismisses gets the zero vector, as from no data.
The rating head is left alone: a dismissal is not a rating of a title the
user has seen, and a pseudo-rating would make up how much they would
(dis)like it.

It is off by default (dismissal_alpha = 0): on held-out MovieLens data, with
low ratings standing in for dismissals, it lowered nDCG@10 at every weight
tried (bench/_recsys_dismissals.py, bench/README-recommender.md).
"""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import ImplicitPart
from recommender.settings import Settings

CG_STEPS = 3


def solve_side(csr: Csr, other: np.ndarray, reg: float, alpha: float,
               start: np.ndarray | None, dismissed: Csr | None = None,
               dismissal_alpha: float = 0.0) -> np.ndarray:
    """x_u = (Y^T Y + alpha sum_i y_i y_i^T + dismissal_alpha sum_d y_d y_d^T + reg I)^-1 (1 + alpha) sum_i y_i.

    i runs over the row's rated entries, d over its dismissed ones; exact if start is None.
    """
    k = other.shape[1]
    base = (other.T @ other + reg * np.eye(k, dtype=np.float32)).astype(np.float32)
    extra = np.full(len(csr.indices), alpha, dtype=np.float32)
    table = linalg.full_outer_table(other)
    dismissing = dismissed is not None and dismissal_alpha > 0 and len(dismissed.indices) > 0
    if dismissing:
        zero_weight = np.full(len(dismissed.indices), dismissal_alpha, dtype=np.float32)
    out = np.empty((len(csr.indptr) - 1, k), dtype=np.float32)
    for lo, hi in linalg.chunks(csr, k * k):
        g, h = linalg.hybrid_grams(csr, extra, other, table, lo, hi)
        g += base
        if dismissing:
            g += linalg.hybrid_grams(dismissed, zero_weight, other, table, lo, hi)[0]
        h *= np.float32(1.0 + alpha)
        out[lo:hi] = linalg.solve_spd(g, h) if start is None else \
            linalg.cg_solve(g, h, start[lo:hi], CG_STEPS if start.any() else 2 * CG_STEPS)
    return out


def train_implicit(matrix: RatingsMatrix, settings: Settings, rng: np.random.Generator,
                   progress=None) -> ImplicitPart:
    """Alternate item and user solves, ending on an exact user solve."""
    k, s = settings.implicit_rank, settings
    beta = s.dismissal_alpha if matrix.n_dismissed else 0.0
    by_item_zeros = matrix.dismissed_by_item() if beta else None
    by_user_zeros = matrix.dismissed_by_user() if beta else None
    users = rng.normal(0, 0.01, (matrix.n_users, k)).astype(np.float32)
    items = np.zeros((matrix.n_items, k), dtype=np.float32)
    for epoch in range(s.implicit_epochs):
        last = epoch == s.implicit_epochs - 1
        items = solve_side(matrix.by_item(), users, s.implicit_reg, s.implicit_alpha, items,
                           by_item_zeros, beta)
        users = solve_side(matrix.by_user(), items, s.implicit_reg, s.implicit_alpha,
                           None if last else users, by_user_zeros, beta)
        if progress:
            progress(epoch + 1, s.implicit_epochs)
    items64 = items.astype(np.float64)
    return ImplicitPart(users, items, items64.T @ items64, s.implicit_reg, s.implicit_alpha,
                        dismissal_alpha=s.dismissal_alpha)
