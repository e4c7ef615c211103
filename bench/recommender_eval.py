"""Recommender benchmark: ours vs Surprise, same machine, same folds, one run.

    .venv/bin/python -m bench.recommender_eval            # full (~10-15 min)
    .venv/bin/python -m bench.recommender_eval --quick    # one fold each, small grid
    .venv/bin/python -m bench.recommender_eval --scale    # also 25M synthetic ratings
    .venv/bin/python -m bench.recommender_eval --select   # how the presets were chosen

Prints one table per section with mean ± std over folds, the machine, and
PASS/FAIL per target; writes the figures to bench/results/recommender-*.json.
See bench/README-recommender.md for the protocol.
"""
from __future__ import annotations

import os

# Single-threaded BLAS, like Surprise's Cython loops: on 2 shared cores OpenBLAS
# threads only spin against each other (and other tenants). Override by exporting it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench import (  # noqa: E402
    _recsys_accuracy, _recsys_coldstart, _recsys_prior, _recsys_ranking, _recsys_scale, _recsys_select)
from bench._recsys_data import data_dir  # noqa: E402
from bench._recsys_report import Targets  # noqa: E402
from bench.common import machine  # noqa: E402

SECTIONS = ("ranking", "rmse", "coldstart", "prior", "scale")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="one fold per dataset, small grid")
    p.add_argument("--scale", action="store_true", help="also train on 25M synthetic ratings")
    p.add_argument("--sections", default=",".join(SECTIONS), help=f"comma list of {SECTIONS}")
    p.add_argument("--select", action="store_true", help="only rerun the preset selection (validation)")
    args = p.parse_args(argv)
    if args.select:
        print(f"machine: {machine()}")
        print(_recsys_select.render(_recsys_select.run(log)))
        return 0
    wanted = args.sections.split(",")
    started = time.perf_counter()
    print(f"# Recommender benchmark\nmachine: {machine()}\ndata: {data_dir()}")
    targets, results, out = Targets(), {}, []
    chosen = {}
    if "ranking" in wanted:
        results["ranking"] = _recsys_ranking.run(args.quick, log)
        chosen = results["ranking"]["chosen"]
        out.append(_recsys_ranking.render(results["ranking"]))
        _recsys_ranking.check(results["ranking"], targets)
        print(out[-1], flush=True)
    steps = [("rmse", lambda: _recsys_accuracy.run(args.quick, log), _recsys_accuracy),
             ("coldstart", lambda: _recsys_coldstart.run(chosen, log), _recsys_coldstart),
             ("prior", lambda: _recsys_prior.run(chosen, log), _recsys_prior),
             ("scale", lambda: _recsys_scale.run([1_000_000] + ([25_000_000] if args.scale else []),
                                                 chosen, log), _recsys_scale)]
    for name, run, module in steps:
        if name in wanted:
            results[name] = run()
            out.append(module.render(results[name]))
            if hasattr(module, "check"):
                module.check(results[name], targets)
            print(out[-1], flush=True)
    print(targets.render())
    print(f"\nmachine: {machine()}\ntotal {time.perf_counter() - started:.0f}s")
    _save(results, targets)
    return 0


def _save(results: dict, targets: Targets) -> None:
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    path = folder / time.strftime("recommender-%Y%m%dT%H%M%S.json")
    blob = {"machine": machine(), "results": results, "targets": targets.rows}
    path.write_text(json.dumps(blob, indent=1, default=_plain))
    print(f"figures saved to {path}")


def _plain(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return str(x)


if __name__ == "__main__":
    sys.exit(main())
