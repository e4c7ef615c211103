"""Pick the titles a new user should rate first.

Greedy D-optimal design weighted by the chance the user has seen the title:
each pick maximises log(popularity) + log(1 + q^T A^-1 q), where A sums the
factor outer products of the titles already picked. Popular titles get
answered; the information term pushes the picks apart in factor space.
"""
from __future__ import annotations

import numpy as np

from recommender.model import Model


def pick_titles(model: Model, n: int, pool_size: int = 300, exclude=()) -> list:
    """n item ids to ask about, most informative first."""
    counts = model.item_counts.astype(np.float64)
    pool = np.argsort(-counts, kind="stable")[:pool_size]
    if len(exclude):
        banned = model.item_index(np.fromiter(exclude, dtype=model.item_ids.dtype))
        pool = pool[~np.isin(pool, banned)]
    feats = np.hstack([model.rating.item_factors[pool], np.ones((len(pool), 1))]).astype(np.float64)
    log_pop = np.log1p(counts[pool])
    inverse = np.eye(feats.shape[1])
    picked: list = []
    for _ in range(min(n, len(pool))):
        gain = np.einsum("ij,jk,ik->i", feats, inverse, feats)
        score = log_pop + np.log1p(gain)
        score[picked] = -np.inf
        best = int(np.argmax(score))
        picked.append(best)
        f = feats[best]
        inverse -= np.outer(inverse @ f, f @ inverse) / (1.0 + f @ inverse @ f)  # Sherman-Morrison
    return [model.item_ids[pool[p]].item() for p in picked]
