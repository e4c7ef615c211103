"""Section 3: new users on ml-100k — fold-in vs popularity vs full retraining, by ratings given.

20 % of users (seed 3) are held out. Each gives its first n ratings (random
order, seed 4); every step is scored on the same ratings: each held-out
user's ratings after the first 15.
"""
from __future__ import annotations

import numpy as np

from bench import _recsys_data as data
from bench._recsys_report import table
from recommender import ranking
from recommender.evaluation import ndcg_at_k, rmse
from recommender.foldin import fold_in, trained_state
from recommender.matrix import RatingsMatrix
from recommender.model import fit, predict_ids
from recommender.settings import FAST

STEPS = (0, 1, 3, 5, 10, 15)
GIVEN_MAX = 15


def split(seed: int = 3):
    a = data.ml100k_all()
    u, i, r = a[:, 0], a[:, 1], a[:, 2].astype(np.float32)
    users = np.unique(u)
    held = np.random.default_rng(seed).choice(users, size=len(users) // 5, replace=False)
    rng = np.random.default_rng(4)
    per_user = {}
    for h in held:
        idx = np.flatnonzero(u == h)
        per_user[int(h)] = idx[rng.permutation(len(idx))]
    return u, i, r, ~np.isin(u, held), per_user


def item_damped_mean(train: RatingsMatrix, damping: float):
    mean = float(train.ratings.mean())
    sums = np.bincount(train.items, train.ratings, train.n_items)
    counts = np.bincount(train.items, minlength=train.n_items)
    return mean, (sums + damping * mean) / (counts + damping)


def choose_rmse_damping(train: RatingsMatrix) -> float:
    """Damping of the popularity baseline, picked on 10 % of the training ratings."""
    val = np.random.default_rng(5).random(len(train)) < 0.1
    inner = train.subset(~val)
    best = {}
    for d in (1.0, 3.0, 10.0, 30.0, 100.0):
        mean, table_ = item_damped_mean(inner, d)
        best[d] = rmse(table_[train.items[val]], train.ratings[val])
    return min(best, key=best.get)


def user_rmse_and_ndcg(model, state, test_items, test_ratings, given_items, pop_state=None):
    r = model.rating
    idx = model.item_index(test_items)
    known = idx >= 0
    pred = np.full(len(idx), r.global_mean + state.bias)
    pred[known] += r.item_bias[idx[known]] + r.item_factors[idx[known]] @ state.vector.astype(np.float32)
    pred = np.clip(pred, *model.rating_range)
    top = [i for i, _ in ranking.recommend(model, state, 10, exclude=set(given_items.tolist()))]
    return (pred - test_ratings) ** 2, ndcg_at_k(top, set(test_items.tolist()), 10)


def run(settings_changes: dict, log) -> dict:
    u, i, r, keep, per_user = split()
    settings = FAST.with_(**settings_changes)
    base = RatingsMatrix.from_triples(u[keep], i[keep], r[keep])
    model = fit(base, settings, seed=0)
    mean, pop_table = item_damped_mean(base, choose_rmse_damping(base))
    rows = []
    for n in STEPS:
        given = {h: idx[:n] for h, idx in per_user.items()}
        test = {h: idx[GIVEN_MAX:] for h, idx in per_user.items()}
        extra = np.concatenate([g for g in given.values()]).astype(np.int64)
        retrained = fit(RatingsMatrix.from_triples(np.r_[u[keep], u[extra]], np.r_[i[keep], i[extra]],
                                                   np.r_[r[keep], r[extra]]), settings, seed=0)
        acc = {"fold-in": ([], []), "retrain": ([], []), "popularity": ([], [])}
        for h in per_user:
            g, t = given[h], test[h]
            state = fold_in(model, i[g], r[g])
            _add(acc["fold-in"], *user_rmse_and_ndcg(model, state, i[t], r[t], i[g]))
            st = trained_state(retrained, h, i[g], r[g]) or fold_in(retrained, [], [])
            _add(acc["retrain"], *user_rmse_and_ndcg(retrained, st, i[t], r[t], i[g]))
            pidx = base.item_index(i[t])
            ppred = np.where(pidx >= 0, pop_table[np.maximum(pidx, 0)], mean)
            top = [x for x, _ in ranking.recommend(model, None, 10, exclude=set(i[g].tolist()))]
            _add(acc["popularity"], (ppred - r[t]) ** 2, ndcg_at_k(top, set(i[t].tolist()), 10))
        row = {k: (float(np.sqrt(np.mean(np.concatenate(v[0])))), float(np.mean(v[1]))) for k, v in acc.items()}
        log(f"  cold start n={n}: " + ", ".join(f"{k} {a:.4f}/{b:.4f}" for k, (a, b) in row.items()))
        rows.append((n, row))
    return {"rows": rows, "users": len(per_user)}


def _add(acc, sq_errors, ndcg) -> None:
    acc[0].append(sq_errors)
    acc[1].append(ndcg)


def render(result: dict) -> str:
    rows = [[n] + [f"{row[k][0]:.4f}" for k in ("fold-in", "retrain", "popularity")]
            + [f"{row[k][1]:.4f}" for k in ("fold-in", "retrain", "popularity")] for n, row in result["rows"]]
    return table(f"Cold start — ml-100k, {result['users']} held-out users, ratings given → RMSE / nDCG@10",
                 ["given", "RMSE fold-in", "RMSE retrain", "RMSE popularity",
                  "nDCG fold-in", "nDCG retrain", "nDCG popularity"], rows)


def check(result: dict, targets) -> None:
    rows = dict(result["rows"])
    five, fifteen = rows[5], rows[15]
    targets.check("cold start: fold-in beats popularity by 5 ratings (RMSE and nDCG)",
                  five["fold-in"][0] < five["popularity"][0] and five["fold-in"][1] > five["popularity"][1],
                  f"RMSE {five['fold-in'][0]:.4f} vs {five['popularity'][0]:.4f}; "
                  f"nDCG {five['fold-in'][1]:.4f} vs {five['popularity'][1]:.4f}")
    gap = fifteen["fold-in"][0] / fifteen["retrain"][0] - 1
    targets.check("cold start: fold-in RMSE within 1 % of retraining at 15 ratings", gap <= 0.01,
                  f"{fifteen['fold-in'][0]:.4f} vs {fifteen['retrain'][0]:.4f} ({100 * gap:+.2f} %)")
