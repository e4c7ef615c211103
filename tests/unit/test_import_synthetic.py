"""The synthetic history: exact, reproducible, calibrated on real figures, and learnable."""
from __future__ import annotations

import numpy as np
import pytest

from commands.importers.synthetic import CatalogStats, generate, source_name


@pytest.fixture(scope="module")
def stats() -> CatalogStats:
    # 2,000 movies with long-tailed popularity and means spread like MovieLens'.
    rng = np.random.default_rng(0)
    counts = np.sort(rng.pareto(1.2, 2000) * 50 + 20)[::-1]
    return CatalogStats(np.arange(1, 2001, dtype=np.int64) * 10, counts, np.clip(rng.normal(3.4, 0.45, 2000), 1, 4.8))


@pytest.fixture(scope="module")
def history(stats):
    return generate(stats, 200_000, seed=11)


def test_exactly_the_size_asked_distinct_pairs_real_movie_ids(history, stats):
    assert len(history.users) == len(history.items) == len(history.ratings) == 200_000
    pairs = history.users.astype(np.int64) * 10**6 + history.items
    assert len(np.unique(pairs)) == 200_000
    assert np.isin(history.items, stats.movie_ids).all()


def test_the_same_seed_gives_the_same_history_and_another_does_not(stats, history):
    again = generate(stats, 200_000, seed=11)
    assert all(np.array_equal(a, b) for a, b in zip((history.users, history.items, history.ratings),
                                                       (again.users, again.items, again.ratings)))
    assert not np.array_equal(generate(stats, 200_000, seed=12).items, history.items)
    assert source_name(1_000_000, 42) == "synthetic-1m-seed42" and source_name(1234, 1) == "synthetic-1234-seed1"


def test_half_stars_exist_but_whole_stars_dominate(history):
    values = set(np.unique(history.ratings).tolist())
    assert values <= {0.5 * k for k in range(1, 11)}
    half = np.mean(history.ratings % 1 == 0.5)
    assert 0.2 < half < 0.4  # ml-latest-small: 30 %


def test_user_activity_is_long_tailed_with_movielens_minimum(history):
    activity = np.bincount(history.users)[1:]
    assert activity.min() >= 20
    assert activity.max() > 8 * np.median(activity)


def test_popularity_and_means_follow_the_real_figures(history, stats):
    ids, inverse, counts = np.unique(history.items, return_inverse=True, return_counts=True)
    position = np.searchsorted(stats.movie_ids, ids)
    assert np.corrcoef(np.log(counts), np.log(stats.counts[position]))[0, 1] > 0.8
    means = np.bincount(inverse, weights=history.ratings) / counts
    enough = counts >= 100
    assert np.corrcoef(means[enough], stats.means[position][enough])[0, 1] > 0.9


def test_a_latent_factor_model_learns_something_the_means_miss(history):
    # given 80 % to fit on, 20 % held out
    rng = np.random.default_rng(1)
    test = rng.random(len(history.ratings)) < 0.2
    users, items = np.unique(history.users, return_inverse=True)[1], np.unique(history.items, return_inverse=True)[1]
    r = history.ratings.astype(np.float64)
    # when fitting item means + user biases, then a rank-8 factorisation of the residuals (ALS)
    item_mean = np.bincount(items[~test], r[~test], items.max() + 1) / np.maximum(
        np.bincount(items[~test], minlength=items.max() + 1), 1)
    residual = r - item_mean[items]
    bias = np.bincount(users[~test], residual[~test], users.max() + 1) / np.maximum(
        np.bincount(users[~test], minlength=users.max() + 1), 1)
    baseline = item_mean[items] + bias[users]
    p, q = _als(users[~test], items[~test], (r - baseline)[~test], users.max() + 1, items.max() + 1)
    model = baseline + np.einsum("ij,ij->i", p[users], q[items])
    # then the factors predict held-out ratings better than means and biases alone
    rmse = lambda prediction: np.sqrt(np.mean((prediction[test] - r[test]) ** 2))  # noqa: E731
    assert rmse(model) < rmse(baseline) - 0.02


def _als(users, items, values, n_users, n_items, rank=8, reg=5.0, rounds=6):
    rng = np.random.default_rng(2)
    p, q = rng.normal(0, 0.1, (n_users, rank)), rng.normal(0, 0.1, (n_items, rank))
    for _ in range(rounds):
        p = _solve(users, items, values, q, n_users, reg)
        q = _solve(items, users, values, p, n_items, reg)
    return p, q


def _solve(rows, cols, values, fixed, n_rows, reg):
    rank = fixed.shape[1]
    gram = np.zeros((n_rows, rank, rank))
    np.add.at(gram, rows, fixed[cols][:, :, None] * fixed[cols][:, None, :])
    target = np.zeros((n_rows, rank))
    np.add.at(target, rows, fixed[cols] * values[:, None])
    return np.linalg.solve(gram + reg * np.eye(rank), target[:, :, None])[:, :, 0]
