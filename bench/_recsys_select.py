"""`--select`: how the fast/best presets were chosen, on validation data only.

For ml-100k folds u1-u3, 20 % of each *training* file is held out (seed
123 + fold) and every candidate is scored on it; the test files are never
read. The fast preset is the most accurate candidate whose fit time stays
well under Surprise SVD's; the best preset the most accurate within half of
SVD++'s.
"""
from __future__ import annotations

import time

import numpy as np

from bench import _recsys_data as data
from bench._recsys_report import pm, table
from recommender.evaluation import rmse
from recommender.matrix import RatingsMatrix
from recommender.model import fit, predict_ids
from recommender.settings import Settings

CANDIDATES = {
    "fast": [dict(rank=k, sweeps=24, burn_in=4) for k in (4, 6, 8, 10)] + [dict(rank=6, sweeps=24, noise_shape=0.0)],
    "best": [dict(rank=k, sweeps=600, burn_in=20) for k in (6, 8, 10)] + [dict(rank=6, sweeps=600, noise_shape=0.0)],
}


def inner_splits(folds=(1, 2, 3)):
    for f in folds:
        base, _ = data.ml100k_fold(f)
        held = np.random.default_rng(123 + f).random(len(base)) < 0.2
        yield base[~held], base[held]


def run(log) -> list:
    rows = []
    for preset, candidates in CANDIDATES.items():
        for changes in candidates:
            errors, seconds = [], []
            for train, val in inner_splits():
                matrix = RatingsMatrix.from_triples(train[:, 0], train[:, 1], train[:, 2])
                start = time.perf_counter()
                model = fit(matrix, Settings(implicit_rank=0, **changes), seed=0)
                seconds.append(time.perf_counter() - start)
                errors.append(rmse(predict_ids(model, val[:, 0], val[:, 1]), val[:, 2]))
            rows.append([preset, str(changes), pm(errors), pm(seconds, 2)])
            log(f"  select {rows[-1]}")
    return rows


def render(rows: list) -> str:
    return table("Preset selection — ml-100k u1-u3, 20 % of each training file held out",
                 ["preset", "candidate", "validation RMSE", "fit s"], rows)
