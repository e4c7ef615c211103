"""Tiny ratings with a known answer, for unit tests and examples."""
from __future__ import annotations

import numpy as np

from recommender.matrix import RatingsMatrix


def two_tastes(n_users: int = 40, n_items: int = 20, seed: int = 0) -> RatingsMatrix:
    """Users 0..n/2-1 love items 100.. (first half) and dislike the rest; the others the reverse.

    Each user rates most of their own half (4.5-5 stars) and a few of the
    other half (1-1.5 stars); item ids start at 100 so ids differ from indices.
    """
    rng = np.random.default_rng(seed)
    users, items, ratings = [], [], []
    half = n_items // 2
    for u in range(n_users):
        mine = np.arange(half) if u < n_users // 2 else np.arange(half, n_items)
        other = np.setdiff1d(np.arange(n_items), mine)
        liked = rng.choice(mine, size=int(0.7 * half), replace=False)
        disliked = rng.choice(other, size=max(1, half // 5), replace=False)
        for i, r in [(i, rng.choice([4.5, 5.0])) for i in liked] + [(i, rng.choice([1.0, 1.5])) for i in disliked]:
            users.append(u)
            items.append(100 + i)
            ratings.append(r)
    return RatingsMatrix.from_triples(np.array(users), np.array(items), np.array(ratings))


def rank_one(n_users: int = 12, n_items: int = 9, seed: int = 0):
    """A full matrix mean + a_u * b_i as (RatingsMatrix, dense truth)."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 1, n_users), rng.normal(0, 1, n_items)
    truth = 3.0 + np.outer(a, b)
    u, i = np.meshgrid(np.arange(n_users), np.arange(n_items), indexing="ij")
    return RatingsMatrix.from_triples(u.ravel(), i.ravel(), truth.ravel()), truth
