"""Section 5: titles with no training ratings (ml-latest-small, 10 % of titles held out, seed 11).

The held-out titles get bias and factors from the catalog prior (real
ml-latest counts/means, genres, decade, directors). Reported: RMSE on their
ratings vs the user-bias-only fallback, and where they land in users' lists.
Note: ml-latest's aggregate ratings include ml-latest-small's users (about
0.3 % of the 33.8M), a mild optimistic bias for the catalog-mean part.
"""
from __future__ import annotations

import numpy as np

from bench import _recsys_data as data
from bench._recsys_report import table
from recommender import prior, ranking
from recommender.catalog import with_catalog_items
from recommender.evaluation import rmse
from recommender.foldin import trained_state
from recommender.matrix import RatingsMatrix
from recommender.model import fit, predict_ids
from recommender.settings import FAST


def catalog_rows(movie_ids: np.ndarray):
    ids, genres, years, directors, counts, means = data.catalog()
    pos = {m: n for n, m in enumerate(ids.tolist())}
    rows = [pos.get(m, -1) for m in movie_ids.tolist()]
    pick = lambda xs, empty: [xs[r] if r >= 0 else empty for r in rows]
    x, _ = prior.content_features(pick(genres, []), pick(list(years), 0), pick(directors, []))
    c = np.array(pick(list(counts), 0.0))
    m = np.array(pick(list(means), np.nan))
    return x, c, m


def run(settings_changes: dict, log) -> dict:
    u, i, r = data.ml_small()
    titles = np.unique(i)
    held = np.random.default_rng(11).choice(titles, size=len(titles) // 10, replace=False)
    test = np.isin(i, held)
    train = RatingsMatrix.from_triples(u[~test], i[~test], r[~test])
    model = fit(train, FAST.with_(**settings_changes), seed=0)
    x, counts, means = catalog_rows(titles)
    extended = with_catalog_items(model, titles, x, counts, means)
    plain = predict_ids(model, u[test], i[test])
    informed = predict_ids(extended, u[test], i[test])
    out = {"held_titles": len(held), "test_ratings": int(test.sum()),
           "rmse_user_bias_only": rmse(plain, r[test]), "rmse_prior": rmse(informed, r[test])}
    out.update(_placement(extended, train, u[test], i[test], r[test], held))
    log(f"  prior: {out}")
    return out


def _placement(model, train, tu, ti, tr, held) -> dict:
    """Mean list percentile (0 = top) of all new titles, and of the new titles each user rated >= 4."""
    new = model.item_index(held)
    every, liked = [], []
    for user in np.unique(tu)[:300]:
        mine = train.item_ids[train.items[train.users == train.user_index([user])[0]]]
        state = trained_state(model, user, mine, np.ones(len(mine)))
        s = ranking.scores(model, state)
        pct = 100.0 * (np.argsort(np.argsort(-s, kind="stable"), kind="stable") / len(s))
        every.append(pct[new].mean())
        good = model.item_index(ti[(tu == user) & (tr >= 4)])
        if len(good):
            liked.append(pct[good].mean())
    return {"pct_all_new": float(np.mean(every)), "pct_liked_new": float(np.mean(liked))}


def render(result: dict) -> str:
    rows = [["user bias only (no prior)", f"{result['rmse_user_bias_only']:.4f}", "", ""],
            ["catalog + content prior", f"{result['rmse_prior']:.4f}", f"{result['pct_all_new']:.1f}",
             f"{result['pct_liked_new']:.1f}"]]
    return table(f"New titles — ml-latest-small, {result['held_titles']} titles held out "
                 f"({result['test_ratings']} ratings)",
                 ["model", "RMSE on their ratings", "list percentile, all new", "… new ones the user liked"],
                 rows)
