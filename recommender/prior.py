"""Scores for titles nobody has rated here yet, from catalog stats and content.

Most of the catalog has no ratings in our event log. Each such title gets
- a mean rating: its real catalog mean damped toward a content estimate
  (ridge regression on genres, decade and directors), mapped onto our bias
  scale by a line fitted on titles we did train;
- factors (rating and implicit) regressed from the same content features, so
  a sci-fi fan sees untried sci-fi above untried romance;
- a popularity damped by the expected number of ratings it would have here.
All inputs are plain arrays and lists; nothing reads files.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def damped_mean(counts, means, prior_mean, damping: float) -> np.ndarray:
    """(count * mean + damping * prior) / (count + damping), elementwise."""
    counts = np.asarray(counts, dtype=np.float64)
    return (counts * np.asarray(means, float) + damping * np.asarray(prior_mean, float)) / (counts + damping)


def content_features(genres, years, directors, min_director_titles: int = 2):
    """Sparse one-hot rows: genres, decade, directors with enough titles; plus vocabulary."""
    tokens = [[f"g:{g}" for g in gs] + ([f"y:{int(y) // 10 * 10}"] if y and y > 0 else [])
              + [f"d:{d}" for d in ds] for gs, y, ds in zip(genres, years, directors)]
    counts: dict = {}
    for row in tokens:
        for t in row:
            counts[t] = counts.get(t, 0) + 1
    vocab = {t: n for n, t in enumerate(sorted(t for t, c in counts.items()
                                               if not t.startswith("d:") or c >= min_director_titles))}
    return _encode(tokens, vocab), vocab


def _encode(tokens, vocab) -> sp.csr_matrix:
    rows, cols = [], []
    for r, row in enumerate(tokens):
        for t in row:
            if t in vocab:
                rows.append(r)
                cols.append(vocab[t])
    data = np.ones(len(rows))
    x = sp.csr_matrix((data, (rows, cols)), shape=(len(tokens), len(vocab)))
    return sp.hstack([x, np.ones((len(tokens), 1))], format="csr")  # last column: intercept


def ridge(x: sp.csr_matrix, targets: np.ndarray, reg: float) -> np.ndarray:
    """W minimising |x W - targets|^2 + reg |W|^2 (normal equations; few columns)."""
    gram = (x.T @ x).toarray() + reg * np.eye(x.shape[1])
    return np.linalg.solve(gram, np.asarray(x.T @ targets))


def cold_item_params(features, trained_rows, trained_bias, trained_factors, trained_implicit,
                     counts, means, global_mean: float, damping: float = 10.0, reg: float = 5.0):
    """(bias, factors, implicit_factors) for every feature row.

    trained_rows: rows of `features` that are trained items, aligned with the
    trained_* arrays. counts/means: catalog stats per row (0/nan when unknown).
    """
    counts = np.nan_to_num(np.asarray(counts, float))
    means = np.where(counts > 0, np.nan_to_num(np.asarray(means, float)), global_mean)
    rated = counts >= 5
    content_mean = features @ ridge(features[rated], means[rated], reg) if rated.any() else \
        np.full(features.shape[0], global_mean)
    prior_mean = damped_mean(counts, means, content_mean, damping)
    slope, intercept = bias_scale(prior_mean[trained_rows], np.asarray(trained_bias, float), global_mean)
    bias = intercept + slope * prior_mean
    rows = features[trained_rows]
    factors = features @ ridge(rows, trained_factors, reg)
    implicit = None if trained_implicit is None else features @ ridge(rows, trained_implicit, reg)
    return bias, factors, implicit


def bias_scale(prior_mean: np.ndarray, trained_bias: np.ndarray, global_mean: float,
               shrink: float = 0.05):
    """(slope, intercept) mapping catalog means onto our item biases.

    Least squares with the slope shrunk toward 1 (a catalog mean one star
    higher is about one star higher here), so a handful of overlapping
    titles, or titles with identical catalog means, cannot flip the sign.
    """
    if len(prior_mean) == 0:
        return 1.0, -global_mean
    x, y = prior_mean - prior_mean.mean(), trained_bias - trained_bias.mean()
    slope = (x @ y / len(x) + shrink) / (x @ x / len(x) + shrink)
    return slope, trained_bias.mean() - slope * prior_mean.mean()
