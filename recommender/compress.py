"""Turn an average of sampled factor models into one low-rank factor model.

The mean of S predictions sum_s p_us . q_is equals one dot product of the
concatenated vectors [p_u1..p_uS] . [q_i1..q_iS] / S, i.e. a rank k*S model.
Its best rank-r approximation (a truncated SVD of P Q^T) keeps the
posterior-mean predictions while giving the fast rank-r tables ranking needs.
The SVD goes through the small k*S x k*S Gram matrices rather than a QR of the
tall tables: same result, and far less sensitive to BLAS threads on a busy box.
"""
from __future__ import annotations

import numpy as np


def _whiten(tall: np.ndarray):
    """(E, R) with tall = (tall @ E) @ R, the columns of tall @ E orthonormal."""
    w, vecs = np.linalg.eigh(tall.T @ tall)
    keep = w > max(w.max(), 1e-300) * 1e-12
    w, vecs = w[keep], vecs[:, keep]
    return vecs / np.sqrt(w), np.sqrt(w)[:, None] * vecs.T


def posterior_factors(user_samples: list, item_samples: list, rank: int):
    """Rank-`rank` (user, item) factors reproducing the sample-averaged dot products."""
    scale = 1.0 / np.sqrt(len(user_samples))
    pc = np.hstack(user_samples).astype(np.float64) * scale
    qc = np.hstack(item_samples).astype(np.float64) * scale
    ep, rp = _whiten(pc)
    eq, rq = _whiten(qc)
    u, sv, vt = np.linalg.svd(rp @ rq.T)
    r = min(rank, len(sv))
    root = np.sqrt(sv[:r])
    return pc @ (ep @ (u[:, :r] * root)), qc @ (eq @ (vt[:r].T * root))
