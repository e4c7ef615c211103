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
    """Row j holds the upper triangle of the outer product f_j f_j^T (see `unpack`)."""
    iu, ju = np.triu_indices(features.shape[1])
    return features[:, iu] * features[:, ju]


def full_outer_table(features: np.ndarray) -> np.ndarray:
    """Row j holds the whole flattened outer product f_j f_j^T."""
    k = features.shape[1]
    return (features[:, :, None] * features[:, None, :]).reshape(-1, k * k)


def unpack(triangles: np.ndarray, k: int) -> np.ndarray:
    """Symmetric (n, k, k) matrices from rows of upper triangles."""
    iu, ju = np.triu_indices(k)
    out = np.empty((triangles.shape[0], k, k), dtype=triangles.dtype)
    out[:, iu, ju] = triangles
    out[:, ju, iu] = triangles
    return out


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
          start: int, stop: int, table: np.ndarray | None = None):
    """Per-row sum_j w_j f_j f_j^T and sum_j t_j f_j for rows start..stop."""
    k = features.shape[1]
    n_cols = features.shape[0]
    g = block(csr, start, stop, weights, n_cols) @ (table if table is not None else outer_table(features))
    h = block(csr, start, stop, targets, n_cols) @ features
    return unpack(g, k), h


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


def hybrid_grams(csr: Csr, weights: np.ndarray, features: np.ndarray, table: np.ndarray,
                 start: int, stop: int, heavy: int = 16):
    """Per-row w sum_j f_j f_j^T and sum_j f_j for wide features (w constant per row).

    Rows with many entries take one GEMM each on their gathered features;
    the long tail of short rows goes through the sparse outer-product
    `table` (full_outer_table(features)), whose k*k-wide random reads only pay off
    for few entries per row. Together they avoid both a Python loop over
    every row and cache misses on every rating.
    """
    k, n_cols = features.shape[1], features.shape[0]
    counts = csr.counts[start:stop]
    lo = int(csr.indptr[start])
    light = np.repeat(counts < heavy, counts)
    hi = lo + len(light)
    light_counts = np.where(counts < heavy, counts, 0)
    ptr = np.r_[0, np.cumsum(light_counts)]
    sub = sp.csr_matrix((weights[lo:hi][light], csr.indices[lo:hi][light], ptr),
                        shape=(stop - start, n_cols))
    g = (sub @ table).reshape(-1, k, k)
    for r in np.flatnonzero(counts >= heavy).tolist():
        a, b = int(csr.indptr[start + r]), int(csr.indptr[start + r + 1])
        rows = features[csr.indices[a:b]]
        np.matmul(rows.T, rows, out=g[r])
        g[r] *= weights[a]
    ones = np.ones(len(csr.indices), dtype=features.dtype)  # block() slices absolute positions
    return g, block(csr, start, stop, ones, n_cols) @ features


def cg_solve(a: np.ndarray, b: np.ndarray, x0: np.ndarray, iterations: int) -> np.ndarray:
    """A few conjugate-gradient steps on every system a[n] x = b[n], warm-started at x0.

    Inside ALS the previous epoch's solution is already close, so 3 steps
    reach the accuracy of an exact solve at a fraction of LAPACK's per-matrix
    overhead (Takacs & Pilaszy, "Applications of the CG method for implicit
    feedback collaborative filtering", 2011).
    """
    x = x0.astype(a.dtype, copy=True)
    r = b - (a @ x[:, :, None])[:, :, 0]
    p, rs = r.copy(), np.einsum("ni,ni->n", r, r)
    for _ in range(iterations):
        ap = (a @ p[:, :, None])[:, :, 0]
        step = rs / np.maximum(np.einsum("ni,ni->n", p, ap), 1e-30)
        x += step[:, None] * p
        r -= step[:, None] * ap
        rs_new = np.einsum("ni,ni->n", r, r)
        p = r + (rs_new / np.maximum(rs, 1e-30))[:, None] * p
        rs = rs_new
    return x
