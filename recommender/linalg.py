"""Batched small-matrix kernels shared by the ALS, Gibbs and implicit solvers.

Every user (or item) needs its own k x k Gram matrix sum_j w_j f_j f_j^T.
Writing it as a sparse (rows x others) matrix times the dense table of
flattened outer products f_j f_j^T keeps the whole sweep inside scipy's C
loops; rows are processed in chunks so memory stays bounded at 25M ratings.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.matrix import Csr

CHUNK_ELEMENTS = 1 << 25  # ~256 MB of float64 Gram entries per chunk


def with_ones(factors: np.ndarray) -> np.ndarray:
    """Append a constant column, so a bias is solved jointly with the factors."""
    out = np.empty((factors.shape[0], factors.shape[1] + 1), dtype=np.float64)
    out[:, :-1] = factors
    out[:, -1] = 1.0
    return out


def outer_table(features: np.ndarray) -> np.ndarray:
    """Row j holds the flattened outer product f_j f_j^T."""
    k = features.shape[1]
    return (features[:, :, None] * features[:, None, :]).reshape(-1, k * k)


def chunks(csr: Csr, width: int):
    """Yield (start, stop) row ranges whose Gram blocks fit in one chunk."""
    n = len(csr.indptr) - 1
    step = max(1, CHUNK_ELEMENTS // max(width, 1))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def block(csr: Csr, start: int, stop: int, data: np.ndarray, n_cols: int):
    """Rows start..stop of the sparse matrix with the given per-entry data."""
    lo, hi = csr.indptr[start], csr.indptr[stop]
    return sp.csr_matrix((data[lo:hi], csr.indices[lo:hi], csr.indptr[start:stop + 1] - lo),
                         shape=(stop - start, n_cols))


def grams(csr: Csr, weights: np.ndarray, targets: np.ndarray, features: np.ndarray,
          start: int, stop: int):
    """Per-row sum_j w_j f_j f_j^T and sum_j t_j f_j for rows start..stop."""
    k = features.shape[1]
    n_cols = features.shape[0]
    g = block(csr, start, stop, weights, n_cols) @ outer_table(features)
    h = block(csr, start, stop, targets, n_cols) @ features
    return g.reshape(-1, k, k), h


def add_diagonal(a: np.ndarray, diag: np.ndarray) -> None:
    """In place: a[n] += diag(diag[n]) (diag broadcasts over rows)."""
    k = a.shape[-1]
    idx = np.arange(k)
    a[:, idx, idx] += diag


def solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve a batch of symmetric positive-definite systems a[n] x[n] = b[n]."""
    return np.linalg.solve(a, b[:, :, None])[:, :, 0]


def sample_gaussian(rng: np.random.Generator, precision: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Draw x ~ N(P^-1 shift, P^-1) for a batch of precisions P.

    With P = L L^T, x = P^-1 (shift + L eps) has exactly that law and needs
    one Cholesky and one solve per row.
    """
    chol = np.linalg.cholesky(precision)
    eps = rng.standard_normal(shift.shape)
    return solve_spd(precision, shift + np.einsum("nij,nj->ni", chol, eps))
