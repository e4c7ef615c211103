"""Local datasets for the recommender bench (never downloads; MYBIGMOVIE_DATA_DIR overrides)."""
from __future__ import annotations

import csv
import gzip
import os
import re
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """../shared/data from the repo root, or $MYBIGMOVIE_DATA_DIR."""
    return Path(os.environ.get("MYBIGMOVIE_DATA_DIR", REPO / ".." / "shared" / "data")).resolve()


def _tsv(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        return np.loadtxt(f, dtype=np.int64)


def ml100k_fold(i: int):
    """Official fold u<i>: (train, test) int arrays with columns user, item, rating, ts."""
    folds = data_dir() / "ml-100k" / "folds"
    return _tsv(folds / f"u{i}.base.gz"), _tsv(folds / f"u{i}.test.gz")


def ml100k_all() -> np.ndarray:
    return _tsv(data_dir() / "ml-100k" / "u.data")


def ml_small():
    """ml-latest-small ratings as (users, items, ratings)."""
    a = np.loadtxt(data_dir() / "movielens-small" / "ratings.csv", delimiter=",", skiprows=1)
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2].astype(np.float32)


def kfold_ids(n: int, k: int, seed: int) -> np.ndarray:
    """Fold number of every rating: a seeded permutation dealt round-robin (same for all models)."""
    return np.random.default_rng(seed).permutation(n) % k


def stratified_split(users: np.ndarray, train_share: float, seed: int) -> np.ndarray:
    """Train mask keeping round(share * n_u) random ratings of every user."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(users))
    order = perm[np.argsort(users[perm], kind="stable")]
    _, start, counts = np.unique(users[order], return_index=True, return_counts=True)
    rank = np.arange(len(order)) - np.repeat(start, counts)
    keep = np.repeat(np.round(counts * train_share).astype(int), counts)
    mask = np.zeros(len(users), dtype=bool)
    mask[order[rank < keep]] = True
    return mask


def catalog():
    """Catalog movies: ids, genres lists, years, directors lists, rating counts and means."""
    root = data_dir() / "catalog"
    ids, genres, years = [], [], []
    with open(root / "ml-latest" / "movies.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.append(int(row["movieId"]))
            g = row["genres"]
            genres.append([] if g == "(no genres listed)" else g.split("|"))
            m = re.search(r"\((\d{4})\)\s*$", row["title"].strip())
            years.append(int(m.group(1)) if m else 0)
    index = {m: n for n, m in enumerate(ids)}
    directors = [[] for _ in ids]
    with open(root / "ml-latest-extras" / "movie_directors.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            n = index.get(int(row["movieId"]))
            if n is not None:
                directors[n].append(row["director"])
    counts, means = np.zeros(len(ids)), np.full(len(ids), np.nan)
    with open(root / "ml-latest-extras" / "average_ratings.csv", newline="") as f:
        for row in csv.DictReader(f):
            n = index.get(int(row["movieId"]))
            if n is not None:
                counts[n], means[n] = float(row["count"]), float(row["avg_rating"])
    return np.array(ids), genres, np.array(years), directors, counts, means
