"""``mybigmovie import --synthetic 1m``: a generated history over the listed catalog, into the log."""
from __future__ import annotations

import time

import numpy as np

from commands.importers import catalog
from commands.importers.history import BATCH, append_history
from commands.importers.records import Ratings
from commands.importers.report import ImportReport
from commands.importers.synthetic import CatalogStats, generate, source_name
from commands.store import EventStore


def catalog_stats(known: catalog.Known) -> CatalogStats:
    """Real popularity and means of the listed movies (from their ml-latest reference figures);
    movies without them count as rarely rated, average ones."""
    ids = np.array(sorted(known.movies), dtype=np.int64)
    references = [known.movies[i].get("reference") or {} for i in ids.tolist()]
    counts = np.array([r.get("count", 1) for r in references], dtype=np.float64)
    means = np.array([r.get("mean", 3.5) for r in references], dtype=np.float64)
    return CatalogStats(ids, counts, means)


async def import_synthetic(store: EventStore, n_ratings: int, seed: int = 42, progress=None,
                           batch_size: int = BATCH) -> ImportReport:
    """Generate ``n_ratings`` over the listed movies and append them as synthetic batches (idempotent:
    the same size and seed give the same batches)."""
    started, progress = time.perf_counter(), progress or (lambda step, n, total: None)
    known = await catalog.known_catalog(store)
    report = ImportReport(sources=[f"synthetic: {n_ratings:,} ratings, seed {seed}"])
    if not known.movies:
        report.errors.append("no movies are listed yet: import a catalog before a synthetic history")
        return report
    if not any(fields.get("reference") for fields in known.movies.values()):
        report.notes.append("no real per-movie figures (ml-latest-extras) listed: popularity and means are flat")
    generated = generate(catalog_stats(known), n_ratings, seed)
    ratings = Ratings(source_name(n_ratings, seed), generated.users, generated.items,
                      (generated.ratings * 2).astype(np.uint8), generated.timestamps, synthetic=True)
    step = f"ratings {ratings.source}"
    report.count_history(await append_history(store, ratings, batch_size, lambda n: progress(step, n, len(ratings))))
    report.seconds = time.perf_counter() - started
    return report
