"""Synthetic ratings for the scale bench (a stand-in until commands/importers/synthetic.py exists).

Long-tailed item popularity (Zipf), long-tailed user activity (log-normal),
and latent taste: rating = round(mean + user bias + item bias + p_u . q_i + noise)
clipped to 1..5, so factor models have real structure to find.
"""
from __future__ import annotations

import numpy as np


def synthetic_ratings(n_ratings: int, seed: int = 0, rank: int = 8):
    """(users, items, ratings) arrays with about n_ratings distinct (user, item) pairs."""
    rng = np.random.default_rng(seed)
    n_users = max(100, n_ratings // 150)
    n_items = int(np.clip(n_ratings // 50, 2000, 60000))
    activity = rng.lognormal(0.0, 1.0, n_users)
    counts = np.maximum(1, np.round(activity / activity.sum() * n_ratings * 1.5)).astype(np.int64)
    counts = np.minimum(counts, n_items // 2)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.9
    users = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    items = rng.choice(n_items, size=len(users), p=popularity / popularity.sum())
    key = np.unique(users * n_items + items)
    if len(key) > n_ratings:  # drop a random surplus, not the highest user ids
        key = np.sort(rng.choice(key, size=n_ratings, replace=False))
    users, items = key // n_items, key % n_items
    p = rng.normal(0, 0.35, (n_users, rank))
    q = rng.normal(0, 0.35, (n_items, rank))
    raw = (3.5 + rng.normal(0, 0.4, n_users)[users] + rng.normal(0, 0.5, n_items)[items]
           + np.einsum("nk,nk->n", p[users], q[items]) + rng.normal(0, 0.8, len(users)))
    return users.astype(np.int32), items.astype(np.int32), np.clip(np.round(raw), 1, 5).astype(np.float32)
