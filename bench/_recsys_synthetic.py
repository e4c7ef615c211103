"""Synthetic ratings for the scale bench: the project's own generator (commands/importers/synthetic.py),
calibrated on the per-movie counts and means of the 33.8M real ml-latest ratings."""
from __future__ import annotations

import numpy as np

from bench._recsys_data import data_dir
from commands.importers.synthetic import CatalogStats, generate


def catalog_stats() -> CatalogStats:
    """Every movie of catalog/ml-latest-extras/average_ratings.csv: its real rating count and mean."""
    path = data_dir() / "catalog" / "ml-latest-extras" / "average_ratings.csv"
    table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(0, 1, 2))
    return CatalogStats(table[:, 0].astype(np.int64), np.maximum(table[:, 2], 1.0), table[:, 1])


def synthetic_ratings(n_ratings: int, seed: int = 0):
    """(users, items, ratings) arrays of ``n_ratings`` distinct (user, movie) ratings."""
    generated = generate(catalog_stats(), n_ratings, seed)
    return generated.users, generated.items, generated.ratings
