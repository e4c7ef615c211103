"""Synthetic rating histories for scale work (benchmarks, load tests), calibrated on real figures.

``generate`` is pure: given each movie's real rating count and mean (the 33.8M ml-latest ratings)
and a seed, it returns (users, items, ratings) arrays with
* item popularity proportional to the real counts, each movie's mean close to its real mean;
* long-tailed user activity like MovieLens (at least 20 ratings, median ~90, a few thousand at most);
* whole stars preferred over half stars (~30 % half stars, as in ml-latest-small);
* a latent taste structure: rating = movie mean + user bias + taste(user)·taste(movie) + noise,
  with ``factors`` dimensions, so a recommender has something real to learn.
Imported, they are HistoricalRatingsImported events with ``synthetic=True``: never counted in a
real site's figures, and in the ratings matrix only when asked for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "25m": 25_000_000}
RATINGS_PER_USER = 165  # MovieLens' mean (ml-latest-small, ml-1m)
HALF_STAR_SNAP = 0.4  # share of half-star roundings moved to a whole star: leaves ~30 % half stars
_CHUNK = 1_000_000
HEAVY_USER = 300  # ratings above which a user's movies are drawn without replacement


@dataclass(frozen=True)
class CatalogStats:
    """Per movie: id, real rating count (popularity) and real mean rating."""

    movie_ids: np.ndarray  # int64
    counts: np.ndarray  # float64, > 0
    means: np.ndarray  # float64, 0.5-5


@dataclass(frozen=True)
class Generated:
    users: np.ndarray  # int32, 1..n_users
    items: np.ndarray  # int32 movie ids
    ratings: np.ndarray  # float32 half stars
    timestamps: np.ndarray  # uint32


def source_name(n_ratings: int, seed: int) -> str:
    label = next((name for name, size in SIZES.items() if size == n_ratings), str(n_ratings))
    return f"synthetic-{label}-seed{seed}"


def generate(stats: CatalogStats, n_ratings: int, seed: int = 42, factors: int = 8) -> Generated:
    """``n_ratings`` distinct (user, movie) ratings; the same inputs always give the same arrays."""
    rng = np.random.default_rng(seed)
    n_items = len(stats.movie_ids)
    activity = _activity(rng, n_ratings, n_items)
    users, items = _pairs(rng, activity, stats.counts / stats.counts.sum())
    user_taste = rng.normal(0, 1 / np.sqrt(factors), (len(activity), factors)).astype(np.float32)
    item_taste = rng.normal(0, 1 / np.sqrt(factors), (n_items, factors)).astype(np.float32)
    user_bias = rng.normal(0, 0.45, len(activity)).astype(np.float32)
    ratings = np.empty(len(users), np.float32)
    for start in range(0, len(users), _CHUNK):
        part = slice(start, start + _CHUNK)
        u, i = users[part], items[part]
        taste = np.einsum("ij,ij->i", user_taste[u], item_taste[i])
        raw = stats.means[i] + user_bias[u] + taste + rng.normal(0, 0.65, len(u))
        ratings[part] = _half_stars(rng, raw)
    order = np.lexsort((rng.random(len(users)), users))  # users together, their movies shuffled
    stamps = rng.integers(946_684_800, 1_689_811_200, len(users), dtype=np.uint32)  # 2000 .. July 2023
    return Generated((users[order] + 1).astype(np.int32), stats.movie_ids[items[order]].astype(np.int32),
                     ratings[order], np.sort(stamps))


def _activity(rng: np.random.Generator, n_ratings: int, n_items: int) -> np.ndarray:
    """Ratings per user: at least 20 (fewer in a tiny catalog), a lognormal tail, ``n_ratings`` in all."""
    cap = max(1, min(n_items // 2 or 1, 5000))  # nobody rates more than half the catalog
    floor = min(20, cap)
    n_users = max(1, n_ratings // RATINGS_PER_USER, -(-n_ratings // cap))
    tail = rng.lognormal(0.0, 1.2, n_users)
    spare = max(0, n_ratings - floor * n_users)
    activity = np.minimum(floor + tail * spare / tail.sum(), cap).astype(np.int64)
    while (missing := n_ratings - int(activity.sum())) != 0:  # rounding, the cap and the floor
        movable = np.flatnonzero(activity < cap) if missing > 0 else np.flatnonzero(activity > 1)
        chosen = rng.choice(movable, min(abs(missing), len(movable)), replace=False)
        activity[chosen] += 1 if missing > 0 else -1
    return activity


def _pairs(rng: np.random.Generator, activity: np.ndarray, popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (user, item) pairs, ``activity[u]`` of them for user u, items drawn by popularity.

    Light users draw with replacement and drop repeats (rare for them); heavy users, who would
    redraw the popular movies for ever, take a weighted sample without replacement (Gumbel top-k).
    """
    n_items, heavy = len(popularity), activity > min(HEAVY_USER, len(popularity) // 4)
    keys = [_light_pairs(rng, np.where(heavy, 0, activity), popularity)]
    log_p = np.log(popularity)
    for user in np.flatnonzero(heavy):
        chosen = np.argpartition(-(log_p + rng.gumbel(size=n_items)), activity[user])[: activity[user]]
        keys.append(user * n_items + np.sort(chosen))
    keys = np.sort(np.concatenate(keys))
    return keys // n_items, keys % n_items


def _light_pairs(rng: np.random.Generator, activity: np.ndarray, popularity: np.ndarray) -> np.ndarray:
    n_items, keys, deficit = len(popularity), np.empty(0, np.int64), activity.copy()
    while deficit.sum() > 0:
        users = np.repeat(np.arange(len(activity), dtype=np.int64), deficit)
        keys = _distinct(np.concatenate([keys, users * n_items + rng.choice(n_items, len(users), p=popularity)]))
        deficit = activity - np.bincount(keys // n_items, minlength=len(activity))
    return keys


def _distinct(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)  # sorting beats numpy's hash-based unique here by ~50x
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _half_stars(rng: np.random.Generator, raw: np.ndarray) -> np.ndarray:
    stars = np.clip(np.round(raw * 2) / 2, 0.5, 5.0)
    half = (stars % 1 == 0.5) & (rng.random(len(stars)) < HALF_STAR_SNAP)
    stars[half] += np.where(rng.random(int(half.sum())) < 0.5, -0.5, 0.5)
    return np.clip(stars, 1.0, 5.0, where=half, out=stars).astype(np.float32)
