"""Accuracy and ranking metrics as pure functions (used by the bench and tests).

Ranking metrics take one user's ranked list and set of relevant items and
follow the Microsoft Recommenders definitions: binary relevance, nDCG with
log2 discount and an ideal list of min(k, |relevant|) hits, MAP@k averaging
precision at each hit over |relevant| (so it is comparable with their tables).
"""
from __future__ import annotations

import numpy as np


def rmse(predicted, actual) -> float:
    """Root mean squared error."""
    d = np.asarray(predicted, float) - np.asarray(actual, float)
    return float(np.sqrt(np.mean(d * d)))


def mae(predicted, actual) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(predicted, float) - np.asarray(actual, float))))


def _hits(ranked, relevant, k: int) -> np.ndarray:
    rel = set(relevant)
    return np.array([1.0 if x in rel else 0.0 for x in list(ranked)[:k]])


def ndcg_at_k(ranked, relevant, k: int = 10) -> float:
    """Normalised discounted cumulative gain of the top k (binary relevance)."""
    hits = _hits(ranked, relevant, k)
    if not len(relevant):
        return 0.0
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = disc[:min(k, len(set(relevant)))].sum()
    return float((hits * disc[:len(hits)]).sum() / ideal)


def precision_at_k(ranked, relevant, k: int = 10) -> float:
    """Share of the top k that is relevant (the list is padded to k)."""
    return float(_hits(ranked, relevant, k).sum() / k)


def recall_at_k(ranked, relevant, k: int = 10) -> float:
    """Share of the relevant items found in the top k."""
    return float(_hits(ranked, relevant, k).sum() / max(len(set(relevant)), 1))


def map_at_k(ranked, relevant, k: int = 10) -> float:
    """Average precision at the hits in the top k, divided by |relevant|."""
    hits = _hits(ranked, relevant, k)
    precisions = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precisions * hits).sum() / max(len(set(relevant)), 1))


def ranking_report(ranked_lists: dict, relevant: dict, k: int = 10) -> dict:
    """Mean nDCG/P/R/MAP@k over the users of `relevant` (user -> items)."""
    users = [u for u in relevant if len(relevant[u])]
    fns = {"ndcg": ndcg_at_k, "precision": precision_at_k, "recall": recall_at_k, "map": map_at_k}
    return {name: float(np.mean([f(ranked_lists.get(u, []), relevant[u], k) for u in users]))
            for name, f in fns.items()}
