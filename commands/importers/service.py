"""An import, end to end: read every source, compare with the log, append only what is new.

Everything is read and checked before the first append, so a broken file (or, with ``strict``, a
malformed row) stops the import with nothing written. Then the catalog goes in (listings and
corrections), then the historical ratings, each step idempotent on its own.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Callable

import numpy as np

from commands.importers import catalog, extras, movielens, tv, tv_readers
from commands.importers.detect import Source
from commands.importers.history import BATCH, append_history
from commands.importers.records import Bundle, Ratings
from commands.importers.report import ImportReport
from commands.importers.rows import Problems
from commands.importers.text import title_variants
from commands.store import EventStore

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
                         progress: Progress | None = None, histories: list[Ratings] = ()) -> ImportReport:
    """Import ``sources`` (and any extra ``histories``, e.g. synthetic ones) into the log."""
    started, progress = time.perf_counter(), progress or (lambda step, n, total: None)
    bundle = read_sources(sources, options)
    bundle.histories += list(histories)
    known = await catalog.known_catalog(store)
    report = ImportReport(sources=bundle.sources, problems=bundle.problems, notes=bundle.notes)
    _map_local_ids(bundle, known)
    movies = _select_movies(bundle, known, options)
    ratings = [_drop_unlisted(r, known, movies, report) for r in bundle.histories]
    shows = tv.join_shows(bundle, known.shows, options.all_shows)
    await _append_catalog(store, known, movies, shows, report, progress)
    for history in ratings:
        step = f"ratings {history.source}"
        result = await append_history(store, history, options.batch_size,
                                      lambda n: progress(step, n, len(history)))
        report.ratings_appended[history.source] = result.appended
        report.ratings_present[history.source] = result.present
        report.events += -(-result.appended // options.batch_size)
    report.seconds = time.perf_counter() - started
    return report


async def _append_catalog(store, known, movies, shows, report: ImportReport, progress: Progress) -> None:
    for step, planned in (("movies", catalog.plan_movies(movies, known)), ("shows", catalog.plan_shows(shows, known))):
        events = [event for stream in planned.values() for event in stream]
        total = len(events)
        report.events += await catalog.append_planned(store, planned, known.versions,
                                                      lambda n, step=step: progress(step, n, total))
        listed = [event for event in events if type(event).__name__.endswith("Listed")]
        if step == "movies":
            report.movies_listed, report.movies_corrected = len(listed), total - len(listed)
        else:
            report.shows_listed, report.shows_corrected = len(listed), total - len(listed)
            report.episodes_listed = sum(len(event.episodes) for event in listed)


def _select_movies(bundle: Bundle, known: catalog.Known, options: ImportOptions) -> dict[int, dict]:
    """Listing fields + details of the movies to list or correct: the site's catalog is every movie
    with ``min_ratings`` real ratings, every movie an imported history rates, and all that is listed."""
    rated = set(chain.from_iterable(np.unique(r.movies).tolist() for r in bundle.histories if not r.synthetic))
    chosen = {}
    for movie_id in {*bundle.movies, *bundle.details}:
        fields = {**bundle.movies.get(movie_id, {}), **bundle.details.get(movie_id, {})}
        tmdb_id = fields.get("tmdb_id") or known.movies.get(movie_id, {}).get("tmdb_id")
        if tmdb_id in bundle.tmdb:  # TMDB's runtime only where the IMDb-derived one is missing
            fields = {**{k: v for k, v in bundle.tmdb[tmdb_id].items() if v is not None}, **fields}
        reference = fields.get("reference") or known.movies.get(movie_id, {}).get("reference")
        count = reference["count"] if reference else (0 if bundle.references_complete else None)
        if movie_id in known.movies or movie_id in rated or count is None or count >= options.min_ratings:
            chosen[movie_id] = fields
    return chosen


def _map_local_ids(bundle: Bundle, known: catalog.Known) -> None:
    """Give ratings of sources with their own movie ids (ml-100k) MovieLens ids, by title and year."""
    if not bundle.local_movies:
        return
    index: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    for movie_id, fields in chain(known.movies.items(), bundle.movies.items()):
        for variant in title_variants(fields["title"], tuple(fields.get("aka") or ())):
            index[(variant, fields.get("year"))].add(movie_id)
    for local in bundle.local_movies:
        table = np.zeros(max(local.titles, default=0) + 1, dtype=np.int32)
        for item, (title, aka, year) in local.titles.items():
            found = set().union(*(index.get((v, year), set()) for v in title_variants(title, aka)))
            if len(found) == 1:
                table[item] = found.pop()
        matched = int(np.count_nonzero(table))
        bundle.notes.append(f"{local.source}: {matched:,} of {len(local.titles):,} movies matched to MovieLens ids "
                            f"by title and year; the ratings of the other {len(local.titles) - matched:,} are dropped")
        for index_, ratings in enumerate(bundle.histories):
            if ratings.source == local.source:
                inside = ratings.movies < len(table)
                mapped = np.where(inside, table[np.where(inside, ratings.movies, 0)], 0)
                bundle.histories[index_] = Ratings(ratings.source, ratings.users, mapped, ratings.half_stars,
                                                   ratings.timestamps, ratings.synthetic)


def _drop_unlisted(ratings: Ratings, known: catalog.Known, movies: dict[int, dict], report: ImportReport) -> Ratings:
    listable = {m for m, f in movies.items() if "title" in f} | known.movies.keys()
    keep = np.isin(ratings.movies, np.fromiter(listable, dtype=np.int32, count=len(listable)))
    report.ratings_dropped[ratings.source] = int(len(ratings) - keep.sum())
    return ratings if keep.all() else ratings.keep(keep)
