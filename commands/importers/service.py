"""An import, end to end: read every source, compare with the log, append only what is new.

Everything is read and checked before the first append, so a broken file (or, with ``strict``, a
malformed row) stops the import with nothing written. Then the catalog goes in (listings and
corrections), then the historical ratings, each step idempotent on its own.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from commands.importers import catalog, extras, movielens, tv, tv_readers
from commands.importers.detect import Source
from commands.importers.history import BATCH, append_history
from commands.importers.records import Bundle, Ratings
from commands.importers.report import ImportReport
from commands.importers.rows import Problems
from commands.importers.selection import keep_listed, map_local_ids, select_movies
from commands.store import EventStore
from domain.events import Event

Progress = Callable[[str, int, int], None]  # (step, advanced by, step total)

READERS: dict[str, Callable[[Source, Bundle], None]] = {
    "movielens-csv": lambda s, b: movielens.read_csv_release(s.path, s.name, b),
    "ml-1m": lambda s, b: movielens.read_ml1m(s.path, b),
    "ml-100k": lambda s, b: movielens.read_ml100k(s.path, b),
    "movielens-extras": lambda s, b: extras.read_extras(s.path, b),
    "tmdb": lambda s, b: extras.read_tmdb(s.path, b),
    "imdb-episodes": lambda s, b: tv_readers.read_imdb(s.path, b),
    "tvmaze-api": lambda s, b: tv_readers.read_tvmaze_api(s.path, b),
    "tvmaze-episodes": lambda s, b: tv_readers.read_tvmaze_episodes(s.path, b),
    "tvmaze-table": lambda s, b: tv_readers.read_tvmaze_table(s.path, b),
}


@dataclass(frozen=True)
class ImportOptions:
    min_ratings: int = 20  # a catalog movie is listed with this many real ratings (or any rating imported)
    all_shows: bool = False  # also list IMDb series that no TVmaze table describes
    strict: bool = False  # a malformed row rejects its whole file instead of being skipped
    batch_size: int = BATCH


def read_sources(sources: list[Source], options: ImportOptions) -> Bundle:
    """Read and check every source; raises SourceError (nothing is written) when one is unusable."""
    bundle = Bundle(problems=Problems(strict=options.strict))
    for source in sources:
        READERS[source.kind](source, bundle)
        bundle.sources.append(str(source))
    return bundle


async def import_sources(store: EventStore, sources: list[Source], options: ImportOptions = ImportOptions(),
                         progress: Progress | None = None) -> ImportReport:
    """Import ``sources`` into the log: the catalog first (listings, corrections), then the ratings."""
    started, progress = time.perf_counter(), progress or (lambda step, n, total: None)
    bundle = read_sources(sources, options)
    known = await catalog.known_catalog(store)
    report = ImportReport(sources=bundle.sources, problems=bundle.problems, notes=bundle.notes)
    map_local_ids(bundle, known)
    movies = select_movies(bundle, known, options.min_ratings)
    histories = []
    for ratings in bundle.histories:
        kept, report.ratings_dropped[ratings.source] = keep_listed(ratings, known, movies)
        histories.append(kept)
    shows = tv.join_shows(bundle, known.shows, options.all_shows)
    report.count_catalog(await _append(store, known, catalog.plan_movies(movies, known), "movies", progress),
                         await _append(store, known, catalog.plan_shows(shows, known), "shows", progress))
    for ratings in histories:
        report.count_history(await append_history(store, ratings, options.batch_size, _step(progress, ratings)))
    report.seconds = time.perf_counter() - started
    return report


async def _append(store: EventStore, known: catalog.Known, planned: dict[str, list[Event]], step: str,
                  progress: Progress) -> list[Event]:
    events = [event for stream in planned.values() for event in stream]
    await catalog.append_planned(store, planned, known.versions, lambda n: progress(step, n, len(events)))
    return events


def _step(progress: Progress, ratings: Ratings) -> Callable[[int], None]:
    return lambda n: progress(f"ratings {ratings.source}", n, len(ratings))
