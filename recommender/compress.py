"""Turn an average of sampled factor models into one low-rank factor model.

The mean of S predictions sum_s p_us . q_is equals one dot product of the
concatenated vectors [p_u1..p_uS] . [q_i1..q_iS] / S, i.e. a rank k*S model.
`PosteriorSum` keeps a running rank-`cap` truncated SVD of that sum (merging
samples in batches, so memory does not grow with S) and hands back the best
rank-r factors. The SVD goes through small Gram matrices rather than a QR of
the tall tables: same result, far less sensitive to BLAS threads on a busy box.
"""
from __future__ import annotations

import numpy as np


def _whiten(tall: np.ndarray):
    """(E, R) with tall = (tall @ E) @ R and the columns of tall @ E orthonormal."""
    w, vecs = np.linalg.eigh(tall.T @ tall)
    keep = w > max(w.max(), 1e-300) * 1e-12
    w, vecs = w[keep], vecs[:, keep]
    return vecs / np.sqrt(w), np.sqrt(w)[:, None] * vecs.T


def truncated(left: np.ndarray, right: np.ndarray, rank: int):
    """Rank-`rank` (L, R) with L R^T the best approximation of left @ right^T."""
    el, rl = _whiten(left)
    er, rr = _whiten(right)
    u, sv, vt = np.linalg.svd(rl @ rr.T)
    r = min(rank, len(sv))
    root = np.sqrt(sv[:r])
    return left @ (el @ (u[:, :r] * root)), right @ (er @ (vt[:r].T * root))


class PosteriorSum:
    """Running low-rank sum of sampled P_s Q_s^T products."""

    def __init__(self, cap: int = 128, batch: int = 8):
        self.cap, self.batch = cap, batch
        self.count = 0
        self.left = self.right = None
        self.pending: list = []

    def add(self, users: np.ndarray, items: np.ndarray) -> None:
        self.pending.append((users, items))
        self.count += 1
        if len(self.pending) >= self.batch:
            self._merge()

    def _merge(self) -> None:
        lefts = [u for u, _ in self.pending] + ([self.left] if self.left is not None else [])
        rights = [i for _, i in self.pending] + ([self.right] if self.right is not None else [])
        self.left, self.right = truncated(np.hstack(lefts), np.hstack(rights), self.cap)
        self.pending = []

    def mean_factors(self, rank: int):
        """Rank-`rank` (user, item) factors of the average product."""
        if self.pending:
            self._merge()
        scale = 1.0 / np.sqrt(self.count)
        return truncated(self.left * scale, self.right * scale, rank)
