"""Bayesian biased matrix factorisation sampled by Gibbs (BPMF-style).

Hierarchy as in libFM's MCMC: each factor/bias column has a Normal-Gamma
prior (mean, precision) and the noise precision has a Gamma prior, so there is
no regularisation constant to tune. Predictions average the kept samples,
which `compress.posterior_factors` turns back into one factor table.
"""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.compress import posterior_factors
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import RatingPart
from recommender.settings import Settings


def sample_side(rng, csr: Csr, other: np.ndarray, mean: float, noise_prec: float,
                prior_prec: np.ndarray, prior_mean: np.ndarray):
    """Draw every row's [factors, bias] given the other side; return them and the SSE."""
    feats = linalg.with_ones(other[:, :-1])
    targets = csr.values - mean - other[csr.indices, -1]
    ones = np.ones(len(targets))
    out = np.empty((len(csr.indptr) - 1, feats.shape[1]))
    sse = float(targets @ targets)
    for lo, hi in linalg.chunks(csr, feats.shape[1] ** 2):
        g, h = linalg.grams(csr, ones, targets, feats, lo, hi)
        prec = noise_prec * g
        linalg.add_diagonal(prec, prior_prec)
        x = linalg.sample_gaussian(rng, prec, noise_prec * h + prior_prec * prior_mean)
        out[lo:hi] = x
        sse += float(np.einsum("ni,nij,nj->", x, g, x) - 2 * np.einsum("ni,ni->", x, h))
    return out, sse


def sample_hyper(rng, x: np.ndarray, a0=1.0, b0=1.0, g0=1.0):
    """Per-column (precision, mean) from their Normal-Gamma posterior (prior mean 0)."""
    n = x.shape[0]
    xbar = x.mean(0)
    spread = ((x - xbar) ** 2).sum(0) + n * g0 / (n + g0) * xbar ** 2
    prec = rng.gamma(a0 + (n + 1) / 2, 1.0 / (b0 + 0.5 * spread))
    mean = rng.normal(x.sum(0) / (n + g0), 1.0 / np.sqrt((n + g0) * prec))
    return prec, mean


def train_gibbs(matrix: RatingsMatrix, settings: Settings, rng: np.random.Generator,
                progress=None) -> RatingPart:
    """Run the sampler and return posterior-mean biases and compressed factors."""
    k, s = settings.rank, settings
    mean = float(np.mean(matrix.ratings))
    users = np.hstack([rng.normal(0, 0.1, (matrix.n_users, k)), np.zeros((matrix.n_users, 1))])
    items = np.hstack([rng.normal(0, 0.1, (matrix.n_items, k)), np.zeros((matrix.n_items, 1))])
    hyper_u = hyper_i = (np.full(k + 1, 10.0), np.zeros(k + 1))
    noise_prec, kept, precs = 1.0, [], []
    for sweep in range(s.sweeps):
        users, sse = sample_side(rng, matrix.by_user(), items, mean, noise_prec, *hyper_u)
        noise_prec = rng.gamma(1 + len(matrix) / 2, 1.0 / (1 + 0.5 * sse))
        items, _ = sample_side(rng, matrix.by_item(), users, mean, noise_prec, *hyper_i)
        hyper_u, hyper_i = sample_hyper(rng, users), sample_hyper(rng, items)
        if sweep >= s.burn_in and (sweep - s.burn_in) % s.thin == 0:
            kept.append((users.astype(np.float32), items.astype(np.float32)))
            precs.append(noise_prec)
        if progress:
            progress(sweep + 1, s.sweeps)
    return summarise(kept, mean, 1.0 / float(np.mean(precs)), s.posterior_rank)


def summarise(kept: list, mean: float, noise_var: float, rank: int) -> RatingPart:
    """Posterior-mean biases, compressed factors and the population prior for fold-in."""
    user_bias = np.mean([u[:, -1] for u, _ in kept], axis=0)
    item_bias = np.mean([i[:, -1] for _, i in kept], axis=0)
    pu, qi = posterior_factors([u[:, :-1] for u, _ in kept], [i[:, :-1] for _, i in kept], rank)
    # Fold-in prior: the spread of the trained users' posterior means (empirical Bayes).
    z = np.hstack([pu, user_bias[:, None]])
    cov = np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1])
    prec = np.linalg.inv(cov + 1e-6 * np.eye(z.shape[1]))
    return RatingPart(mean, pu, user_bias, qi, item_bias, prior_mean=z.mean(0),
                      prior_precision=prec, noise_var=noise_var, reg_exponent=0.0)
