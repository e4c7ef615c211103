"""Section 2: top-10 ranking on ml-100k, Microsoft Recommenders protocol (75/25 per user, seed 42).

Hyperparameters of the implicit head and the blend weight are chosen on a
second 75/25 per-user split of the training part only (seed 7). Then "not
interested" with and without as a training signal, on the same split
(bench/_recsys_dismissals.py).
"""
from __future__ import annotations

import itertools
import time

import numpy as np

from bench import _recsys_data as data
from bench import _recsys_dismissals as dismissals
from bench import _recsys_surprise as surprise
from bench._recsys_report import table
from recommender import ranking
from recommender.evaluation import ranking_report
from recommender.foldin import trained_state
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import FAST

K = 10
GRID = {"implicit_rank": (32, 64), "implicit_alpha": (1.0, 3.0, 8.0), "implicit_reg": (10.0, 30.0, 100.0)}
QUICK_GRID = {"implicit_rank": (32,), "implicit_alpha": (3.0,), "implicit_reg": (10.0, 30.0)}
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2)
DAMPINGS = (10.0, 100.0, 1000.0)


def score_table(model, users: np.ndarray) -> np.ndarray:
    """ranking.scores for many trained users at once (users x items); spot-checked below."""
    r, imp = model.rating, model.implicit
    out = np.zeros((len(users), len(model.item_ids)), dtype=np.float32)
    if imp is not None:
        out += imp.user_factors[users] @ imp.item_factors.T
    w = ranking._confidence(model)
    if w.any():
        out += (r.user_factors[users] @ r.item_factors.T + r.item_bias) * w
    return out


def top_lists(model, train: RatingsMatrix, users_ext, table_fn=score_table) -> dict:
    """{user id: top-K item ids}, the user's training items excluded."""
    u_idx = model.user_index(users_ext)
    s = table_fn(model, u_idx)
    row_of = np.full(len(model.user_ids), -1)
    row_of[u_idx] = np.arange(len(u_idx))
    rows = row_of[model.user_index(train.user_ids[train.users])]
    cols = model.item_index(train.item_ids[train.items])
    s[rows[rows >= 0], cols[rows >= 0]] = -np.inf
    top = np.argsort(-s, axis=1, kind="stable")[:, :K]
    return {u: model.item_ids[row].tolist() for u, row in zip(users_ext, top)}


def relevant(users, items) -> dict:
    out: dict = {}
    for u, i in zip(users.tolist(), items.tolist()):
        out.setdefault(u, set()).add(i)
    return out


def evaluate(model, train, test_users, test_items) -> dict:
    rel = relevant(test_users, test_items)
    return ranking_report(top_lists(model, train, np.array(sorted(rel))), rel, K)


def with_settings(model, **changes):
    model.settings = {**model.settings, **changes}
    model._cache.clear()
    return model


def select(u, i, r, mask, quick: bool, log) -> dict:
    """Grid on the inner split; returns the chosen settings changes and the popularity damping."""
    inner = data.stratified_split(u[mask], 0.75, seed=7)
    tu, ti, tr = u[mask][inner], i[mask][inner], r[mask][inner]
    vu, vi = u[mask][~inner], i[mask][~inner]
    train = RatingsMatrix.from_triples(tu, ti, tr)
    best, grid = (-1.0, None), QUICK_GRID if quick else GRID
    for values in itertools.product(*grid.values()):
        changes = dict(zip(grid, values))
        model = fit(train, FAST.with_(**changes), seed=0)
        for w in WEIGHTS:
            score = evaluate(with_settings(model, rating_weight=w), train, vu, vi)["ndcg"]
            best = max(best, (score, {**changes, "rating_weight": w}), key=lambda x: x[0])
        log(f"  select {changes}: best so far {best[1]} nDCG {best[0]:.4f}")
    pop_model = fit(train, FAST.with_(implicit_rank=0, sweeps=2, burn_in=0), seed=0)
    pop = {d: evaluate_popularity(pop_model, train, vu, vi, d) for d in DAMPINGS}
    return {**best[1], "popularity_damping": max(pop, key=lambda d: pop[d]["ndcg"])}


def evaluate_popularity(model, train, test_users, test_items, damping: float) -> dict:
    with_settings(model, popularity_damping=damping)
    pop = ranking.popularity_scores(model)
    return ranking_report(top_lists(model, train, np.array(sorted(set(test_users.tolist()))),
                                    lambda m, us: np.tile(pop, (len(us), 1))),
                          relevant(test_users, test_items), K)


def run(quick: bool, log) -> dict:
    a = data.ml100k_all()
    u, i, r = a[:, 0], a[:, 1], a[:, 2].astype(np.float32)
    mask = data.stratified_split(u, 0.75, seed=42)
    chosen = select(u, i, r, mask, quick, log)
    log(f"  chosen on validation: {chosen}")
    train = RatingsMatrix.from_triples(u[mask], i[mask], r[mask])
    tu, ti = u[~mask], i[~mask]
    rows = {}
    start = time.perf_counter()
    model = fit(train, FAST.with_(**chosen), seed=0)
    rows["ours (implicit + rating blend)"] = (evaluate(model, train, tu, ti), time.perf_counter() - start)
    _spot_check(model, train)
    start = time.perf_counter()
    rating_only = fit(train, FAST.with_(implicit_rank=0), seed=0)
    rows["ours rating head only"] = (evaluate(rating_only, train, tu, ti), time.perf_counter() - start)
    rows["damped-mean popularity"] = (evaluate_popularity(rating_only, train, tu, ti,
                                                          chosen["popularity_damping"]), 0.0)
    algo, sec = surprise.fit("SVD", (u[mask], i[mask], r[mask]), (1, 5))
    rows["Surprise SVD"] = (_surprise_report(algo, train, tu, ti), sec)
    return {"chosen": chosen, "rows": rows, "dismissals": dismissals.run(chosen, quick, score_table, log)}


def _surprise_report(algo, train, tu, ti) -> dict:
    rel = relevant(tu, ti)
    users = np.array(sorted(rel))
    s = surprise.dense_scores(algo, users, train.item_ids)
    rows = np.searchsorted(users, train.user_ids[train.users])
    known = users[np.minimum(rows, len(users) - 1)] == train.user_ids[train.users]
    s[rows[known], train.items[known]] = -np.inf
    top = np.argsort(-s, axis=1, kind="stable")[:, :K]
    return ranking_report({u: train.item_ids[t].tolist() for u, t in zip(users, top)}, rel, K)


def _spot_check(model, train) -> None:
    """The vectorised table must order items exactly like ranking.recommend does."""
    for u in (0, 100):
        uid = model.user_ids[u]
        rated = train.item_ids[train.items[train.users == u]]
        state = trained_state(model, uid, rated, np.ones(len(rated)))
        mine = [i for i, _ in ranking.recommend(model, state, K)]
        assert mine == top_lists(model, train, np.array([uid]))[uid], "score_table != ranking.scores"


def render(result: dict) -> str:
    rows = [[name, f"{m['ndcg']:.4f}", f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['map']:.4f}",
             f"{sec:.2f}"] for name, (m, sec) in result["rows"].items()]
    rows += [[f"published ({n})", v, "", "", "", ""] for n, v in
             (("SAR", "0.383"), ("BPR", "0.442"), ("BiVAE", "0.475"))]
    return table(f"Ranking — ml-100k, 75/25 per user (seed 42), k={K}; chosen {result['chosen']}",
                 ["model", "nDCG@10", "P@10", "R@10", "MAP", "fit s"], rows) \
        + ("\n" + dismissals.render(result["dismissals"]) if result.get("dismissals") else "")


def check(result: dict, targets) -> None:
    ndcg = result["rows"]["ours (implicit + rating blend)"][0]["ndcg"]
    targets.check("ml-100k ranking nDCG@10 >= 0.44", ndcg >= 0.44, f"{ndcg:.4f}")
