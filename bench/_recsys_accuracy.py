"""Section 1: RMSE/MAE/fit time of ours (fast, best) vs Surprise SVD and SVD++ on the same folds."""
from __future__ import annotations

import time

import numpy as np

from bench import _recsys_data as data
from bench import _recsys_surprise as surprise
from bench._recsys_report import pm, table
from recommender.evaluation import mae, rmse
from recommender.matrix import RatingsMatrix
from recommender.model import fit, predict_ids
from recommender.settings import BEST, FAST

# Rating-model settings: the ranking head is trained and timed in its own section.
MODELS = {"ours fast": FAST.with_(implicit_rank=0), "ours best": BEST.with_(implicit_rank=0)}
CHEAP = {"ours fast": 3, "SVD": 3, "ours best": 1, "SVDpp": 1}  # fit repeats; the quickest counts


def time_ours(settings, train, repeats: int):
    best, model = np.inf, None
    for _ in range(repeats):
        matrix = RatingsMatrix.from_triples(*train)  # fresh: index building is part of the fit
        start = time.perf_counter()
        model = fit(matrix, settings, seed=0)
        best = min(best, time.perf_counter() - start)
    return model, best


def time_surprise(name, train, scale, repeats: int):
    best, algo = np.inf, None
    for _ in range(repeats):
        algo, seconds = surprise.fit(name, train, scale)
        best = min(best, seconds)
    return algo, best


def run_fold(train, test, scale, with_pp: bool) -> dict:
    """{model: (rmse, mae, fit seconds)} on one fold, models interleaved."""
    out = {}
    for name in ("ours fast", "SVD", "ours best", "SVDpp"):
        if name == "SVDpp" and not with_pp:
            continue
        if name.startswith("ours"):
            model, sec = time_ours(MODELS[name], train, CHEAP[name])
            pred = predict_ids(model, test[0], test[1])
        else:
            algo, sec = time_surprise(name, train, scale, CHEAP[name])
            pred = surprise.predict(algo, test[0], test[1])
        out[name] = (rmse(pred, test[2]), mae(pred, test[2]), sec)
    return out


def ml100k_folds(quick: bool):
    for i in (1,) if quick else range(1, 6):
        tr, te = data.ml100k_fold(i)
        yield f"u{i}", (tr[:, 0], tr[:, 1], tr[:, 2].astype(np.float32)), (te[:, 0], te[:, 1], te[:, 2])


def ml_small_folds(quick: bool):
    u, i, r = data.ml_small()
    fold = data.kfold_ids(len(r), 5, seed=0)
    for f in (0,) if quick else range(5):
        tr, te = fold != f, fold == f
        yield f"f{f}", (u[tr], i[tr], r[tr]), (u[te], i[te], r[te])


def run(quick: bool, log) -> dict:
    results = {}
    for label, folds, scale in (("ml-100k u1-u5", ml100k_folds, (1, 5)),
                                ("ml-latest-small 5-fold (seed 0)", ml_small_folds, (0.5, 5))):
        per = {}
        for fold_name, train, test in folds(quick):
            got = run_fold(train, test, scale, with_pp=True)
            log(f"  {label} {fold_name}: " + ", ".join(f"{k} {v[0]:.4f}/{v[2]:.2f}s" for k, v in got.items()))
            for k, v in got.items():
                per.setdefault(k, []).append(v)
        results[label] = {k: np.array(v) for k, v in per.items()}
    return results


def render(results: dict) -> str:
    out = []
    for label, per in results.items():
        svd_t, pp_t = per["SVD"][:, 2].mean(), per["SVDpp"][:, 2].mean()
        rows = [[k, pm(v[:, 0]), pm(v[:, 1]), pm(v[:, 2], 2),
                 f"{v[:, 2].mean() / svd_t:.2f}", f"{v[:, 2].mean() / pp_t:.2f}"] for k, v in per.items()]
        out.append(table(f"RMSE — {label} ({len(next(iter(per.values())))} folds)",
                         ["model", "RMSE", "MAE", "fit s/fold", "× SVD time", "× SVD++ time"], rows))
    return "\n".join(out)


def check(results: dict, targets) -> None:
    for label, per in results.items():
        m = {k: v.mean(0) for k, v in per.items()}
        fast, best, svd, pp = m["ours fast"], m["ours best"], m["SVD"], m["SVDpp"]
        targets.check(f"{label}: fast RMSE < SVD++ at fit time <= SVD",
                      fast[0] < pp[0] and fast[2] <= svd[2],
                      f"{fast[0]:.4f} vs {pp[0]:.4f}; {fast[2]:.2f}s vs {svd[2]:.2f}s")
        goal = 0.900 if label.startswith("ml-100k") else pp[0] - 0.02
        targets.check(f"{label}: best RMSE <= {goal:.4f} at fit time <= SVD++",
                      best[0] <= goal and best[2] <= pp[2],
                      f"{best[0]:.4f}; {best[2]:.2f}s vs {pp[2]:.2f}s")
