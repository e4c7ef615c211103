"""Every benchmark, one after the other: ``make bench`` (about 30 minutes on 2 cores).

    .venv/bin/python -m bench.run_all [--quick]

--quick skips the 1M-event replay and the recommender's scale section, and loads each page for 3 s, not 5.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

BENCHES = {
    "event store": (["bench.event_store_bench"], ["bench.event_store_bench", "--replay-sizes", "100000"]),
    "catalog": (["bench.catalog_bench"], ["bench.catalog_bench"]),
    "recommender": (["bench.recommender_eval", "--scale"], ["bench.recommender_eval", "--quick"]),
    "cards and lists": (["bench.cards_bench"], ["bench.cards_bench", "--members", "100"]),
    "web": (["bench.web_bench"], ["bench.web_bench", "--seconds", "3"]),
    "picks e-mails under chaos": (["bench.mail_soak", "--scale", "5"], ["bench.mail_soak", "--scale", "2"]),
    "ratings import": (["bench.import_ratings_bench"], ["bench.import_ratings_bench", "--rows", "2000"]),
    "export": (["bench.export_bench"], ["bench.export_bench"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for name, (full, quick) in BENCHES.items():
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, "-m", *(quick if args.quick else full)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
