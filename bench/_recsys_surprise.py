"""Surprise baselines (bench only): fit on arrays, predict arrays, time the fit."""
from __future__ import annotations

import time

import numpy as np


def trainset(users, items, ratings, scale):
    from surprise import Dataset, Reader
    raw = [(int(u), int(i), float(r), None) for u, i, r in zip(users, items, ratings)]
    return Dataset(Reader(rating_scale=scale)).construct_trainset(raw)


def fit(name: str, train, scale, seed: int = 0):
    """(fitted algorithm, fit seconds) for Surprise's SVD or SVDpp with default settings."""
    import surprise
    ts = trainset(*train, scale)
    algo = getattr(surprise, name)(random_state=seed)
    start = time.perf_counter()
    algo.fit(ts)
    return algo, time.perf_counter() - start


def predict(algo, users, items) -> np.ndarray:
    """Surprise's own estimates (clipped to the rating scale, unknowns handled its way)."""
    return np.array([algo.predict(int(u), int(i)).est for u, i in zip(users, items)])


def dense_scores(algo, users, n_items_ids):
    """SVD score table for ranking: rows = users, columns = external item ids given."""
    ts = algo.trainset
    out = np.full((len(users), len(n_items_ids)), -np.inf)
    inner_items = [ts.to_inner_iid(int(i)) if ts.knows_item(int(i)) else -1 for i in n_items_ids]
    cols = np.array([c for c, i in enumerate(inner_items) if i >= 0])
    iid = np.array([i for i in inner_items if i >= 0])
    for row, u in enumerate(users):
        if ts.knows_user(int(u)):
            uid = ts.to_inner_uid(int(u))
            out[row, cols] = ts.global_mean + algo.bu[uid] + algo.bi[iid] + algo.qi[iid] @ algo.pu[uid]
    return out
