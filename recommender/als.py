"""Alternating least squares for biased matrix factorisation (MAP estimate)."""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import RatingPart
from recommender.settings import Settings


def solve_side(csr: Csr, other: np.ndarray, other_bias: np.ndarray, mean: float,
               reg: np.ndarray, exponent: float) -> np.ndarray:
    """Ridge-solve [factors, bias] of every row against the other side fixed."""
    feats = linalg.with_ones(other)
    targets = csr.values - mean - other_bias[csr.indices]
    ones = np.ones(len(csr.values))
    out = np.empty((len(csr.indptr) - 1, feats.shape[1]))
    for lo, hi in linalg.chunks(csr, feats.shape[1] ** 2):
        g, h = linalg.grams(csr, ones, targets, feats, lo, hi)
        damp = np.maximum(csr.counts[lo:hi], 1).astype(float) ** exponent
        linalg.add_diagonal(g, damp[:, None] * reg)
        out[lo:hi] = linalg.solve_spd(g, h)
    return out


def train_als(matrix: RatingsMatrix, settings: Settings, rng: np.random.Generator,
              progress=None) -> RatingPart:
    """Alternate item and user ridge solves; the last solve is the users'.

    Ending on the users makes a trained user's vector exactly what
    `foldin.fold_in` returns for the same ratings.
    """
    k, s = settings.rank, settings
    mean = float(np.mean(matrix.ratings)) if len(matrix) else 0.0
    users = np.hstack([rng.normal(0, 0.1, (matrix.n_users, k)), np.zeros((matrix.n_users, 1))])
    reg_u = np.r_[np.full(k, s.reg_factors), s.reg_user_bias]
    reg_i = np.r_[np.full(k, s.reg_factors), s.reg_item_bias]
    for epoch in range(s.epochs):
        items = solve_side(matrix.by_item(), users[:, :k], users[:, k], mean, reg_i, s.reg_exponent)
        users = solve_side(matrix.by_user(), items[:, :k], items[:, k], mean, reg_u, s.reg_exponent)
        if progress:
            progress(epoch + 1, s.epochs)
    return RatingPart(mean, users[:, :k], users[:, k], items[:, :k], items[:, k],
                      prior_mean=np.zeros(k + 1), prior_precision=np.diag(reg_u),
                      noise_var=1.0, reg_exponent=s.reg_exponent)
