"""`mybigmovie train`: fit a model from a ratings file and publish it to the model directory.

Until the catalog's ratings-matrix read model exists, the input is a file:
a MovieLens-style CSV (userId,movieId,rating[,timestamp]), a tab-separated
u.data file, or an .npz with `users`, `items`, `ratings` arrays.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from recommender import artifact
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import PRESETS


def read_ratings(path: str) -> RatingsMatrix:
    """Load (user, item, rating) triples from .npz, .csv or tab-separated text."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            return RatingsMatrix.from_triples(z["users"], z["items"], z["ratings"])
    delimiter = "," if path.endswith(".csv") else None
    with open(path) as f:
        skip = 0 if f.readline()[:1].isdigit() else 1
    a = np.loadtxt(path, delimiter=delimiter, skiprows=skip, usecols=(0, 1, 2))
    return RatingsMatrix.from_triples(a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2])


def progress_bar(stream=None, width: int = 30):
    """A progress(done, total) callable drawing a text bar on `stream` (stderr)."""
    start = time.perf_counter()

    def draw(done: int, total: int) -> None:
        out = stream or sys.stderr
        filled = int(width * done / max(total, 1))
        out.write(f"\rtraining [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
                     f" {time.perf_counter() - start:6.1f}s")
        if done >= total:
            out.write("\n")
        out.flush()
    return draw


def progress_marker(directory, every: float = 0.5):
    """A progress(done, total) callable keeping <directory>/TRAINING = {"done", "total"}.

    The web pages read it to say a retraining is under way; it is removed
    when done == total. Writes are atomic and at most every `every` seconds.
    """
    path = Path(directory) / "TRAINING"
    last = [-1e9]

    def mark(done: int, total: int) -> None:
        if done >= total:
            path.unlink(missing_ok=True)
            return
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"done": done, "total": total}))
            tmp.replace(path)
    return mark


def train_main(argv=None) -> int:
    """Entry point of `mybigmovie train`."""
    p = argparse.ArgumentParser(prog="mybigmovie train", description=__doc__)
    p.add_argument("--ratings", required=True, help="ratings file (.csv, .tsv/u.data, .npz)")
    p.add_argument("--models", default="var/models", help="model directory (default var/models)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="fast")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--trained-up-to", type=int, default=0, help="event position of the data")
    p.add_argument("--keep", type=int, default=3, help="model versions to keep")
    args = p.parse_args(argv)
    matrix = read_ratings(args.ratings)
    print(f"{len(matrix)} ratings, {matrix.n_users} users, {matrix.n_items} items", file=sys.stderr)
    bar = progress_bar()
    model = publish(matrix, args.models, PRESETS[args.preset], seed=args.seed,
                    trained_up_to=args.trained_up_to, keep=args.keep, progress=bar)
    print(f"model {model.version} ({model.training_seconds:.1f}s) -> {args.models}")
    return 0


def publish(matrix: RatingsMatrix, directory, settings, seed: int = 0, trained_up_to: int = 0,
            keep: int = 3, progress=None, augment=None):
    """Train, save and point LATEST at the new model; keeps TRAINING up to date meanwhile.

    This is what a `train` verb or the retraining worker calls with the
    ratings-matrix read model; every ModelHolder picks the result up.
    `augment(model) -> model` runs before saving (e.g. adding never-rated catalog titles).
    """
    marker = progress_marker(directory)

    def both(done: int, total: int) -> None:
        marker(done, total)
        if progress:
            progress(done, total)
    try:
        model = fit(matrix, settings, seed=seed, progress=both, trained_up_to=trained_up_to)
        if augment is not None:
            model = augment(model)
    finally:
        (Path(directory) / "TRAINING").unlink(missing_ok=True)
    artifact.save(model, directory)
    artifact.prune(directory, keep)
    return model


def main(argv=None) -> int:
    """`python -m recommender.cli train ...`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "train":
        print("usage: python -m recommender.cli train --ratings FILE [--models DIR]", file=sys.stderr)
        return 2
    return train_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
