"""Bayesian biased matrix factorisation sampled by Gibbs (BPMF-style).

Hierarchy as in libFM's MCMC: each factor/bias column has a Normal-Gamma
prior (mean, precision) and the noise precision a Gamma prior, so there is no
regularisation constant to tune. Each user also has a noise-precision scale
(Gamma with mean 1, shape `noise_shape`): erratic raters get down-weighted, as
in robust BPMF. Predictions average the kept samples (see compress.py).
"""
from __future__ import annotations

import numpy as np

from recommender import linalg
from recommender.compress import PosteriorSum
from recommender.matrix import Csr, RatingsMatrix
from recommender.parts import RatingPart
from recommender.settings import Settings


def sample_side(rng, csr: Csr, other: np.ndarray, mean: float, weights: np.ndarray,
                noise_prec: float, prior, want_sse: bool = True):
    """Draw every row's [factors, bias] given the other side; return them and per-row SSE."""
    prior_prec, prior_mean = prior
    feats = linalg.with_ones(other[:, :-1])
    table = linalg.outer_table(feats)
    targets = csr.values - mean - other[csr.indices, -1]
    out = np.empty((len(csr.indptr) - 1, feats.shape[1]))
    sse = None
    if want_sse:
        sse = np.cumsum(np.r_[0.0, weights * targets * targets])
        sse = sse[csr.indptr[1:]] - sse[csr.indptr[:-1]]
    for lo, hi in linalg.chunks(csr, feats.shape[1] ** 2):
        g, h = linalg.grams(csr, weights, weights * targets, feats, lo, hi, table)
        prec = noise_prec * g
        linalg.add_diagonal(prec, prior_prec)
        x = linalg.sample_gaussian(rng, prec, noise_prec * h + prior_prec * prior_mean)
        out[lo:hi] = x
        if want_sse:
            sse[lo:hi] += np.einsum("ni,nij,nj->n", x, g, x) - 2 * np.einsum("ni,ni->n", x, h)
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
    by_user, by_item = matrix.by_user(), matrix.by_item()
    mean = float(np.mean(matrix.ratings))
    users = np.hstack([rng.normal(0, 0.1, (matrix.n_users, k)), np.zeros((matrix.n_users, 1))])
    items = np.hstack([rng.normal(0, 0.1, (matrix.n_items, k)), np.zeros((matrix.n_items, 1))])
    hyper_u = hyper_i = (np.full(k + 1, 10.0), np.zeros(k + 1))
    scale, noise_prec = np.ones(matrix.n_users), 1.0
    acc, user_bias, item_bias, precs = PosteriorSum(), 0.0, 0.0, []
    for sweep in range(s.sweeps):
        users, sse = sample_side(rng, by_user, items, mean, np.repeat(scale, by_user.counts),
                                 noise_prec, hyper_u)
        noise_prec = rng.gamma(1 + len(matrix) / 2, 1.0 / (1 + 0.5 * sse.sum()))
        if s.noise_shape > 0:
            a = s.noise_shape
            scale = rng.gamma(a + by_user.counts / 2, 1.0 / (a + 0.5 * noise_prec * sse / scale))
        items, _ = sample_side(rng, by_item, users, mean, scale[by_item.indices], noise_prec, hyper_i,
                               want_sse=False)
        hyper_u, hyper_i = sample_hyper(rng, users), sample_hyper(rng, items)
        if sweep >= s.burn_in and (sweep - s.burn_in) % s.thin == 0:
            acc.add(users[:, :k], items[:, :k])
            user_bias, item_bias = user_bias + users[:, k], item_bias + items[:, k]
            precs.append(noise_prec)
        if progress:
            progress(sweep + 1, s.sweeps)
    pu, qi = acc.mean_factors(s.posterior_rank)
    return summarise(pu, qi, user_bias / acc.count, item_bias / acc.count, mean,
                     1.0 / float(np.mean(precs)))


def summarise(pu, qi, user_bias, item_bias, mean: float, noise_var: float) -> RatingPart:
    """Bundle the posterior means with the population prior used by fold-in."""
    # Empirical Bayes: new users are drawn from the spread of the trained users.
    z = np.hstack([pu, user_bias[:, None]])
    cov = np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1])
    prec = np.linalg.inv(cov + 1e-6 * np.eye(z.shape[1]))
    return RatingPart(mean, pu, user_bias, qi, item_bias, prior_mean=z.mean(0),
                      prior_precision=prec, noise_var=noise_var, reg_exponent=0.0)
