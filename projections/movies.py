"""Movies: the listing (title, year, genres, ids, details) and what real people thought of each.

Rating figures combine every real source the log holds: the ml-latest aggregate recorded with the
listing (``reference``), imported historical batches, and site users' ratings. Synthetic batches
are left out. ``damped_mean`` is the Bayesian average (PRIOR_WEIGHT ratings of PRIOR_MEAN added),
so a movie with three 5-star ratings does not outrank one with 40,000 ratings averaging 4.3.
"""
from __future__ import annotations

from typing import Hashable, Iterable

import msgspec
import numpy as np
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e
from projections.catalog_port import MOVIES

PRIOR_MEAN, PRIOR_WEIGHT = 3.5, 10
_ENVELOPE = frozenset({"type", "event_id", "stream", "occurred_at", "movie_id", "show_id", "source"})


def empty_movie(movie_id: int) -> dict:
    return {"movie_id": movie_id, "listed": False, "title": None, "year": None, "genres": [], "aka": [],
            "imdb_id": None, "tmdb_id": None, "directors": [], "runtime": None, "overview": None,
            "reference": None, "source": None, "history_count": 0, "history_half_stars": 0, "site_count": 0,
            "site_sum": 0.0}


class Movies:
    name = MOVIES

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        match event:
            case e.MovieListed() | e.MovieMetadataCorrected() | e.MovieRated() | e.MovieRatingChanged() | \
                    e.MovieRatingRemoved():
                return (event.movie_id,)
            case e.HistoricalRatingsImported(synthetic=False):
                return batch_totals(event).keys()
        return ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        movie = document if document is not None else empty_movie(key)
        match event:
            case e.MovieListed():
                movie.update(listing_fields(event), listed=True, source=event.source)
            case e.MovieMetadataCorrected():
                movie.update(listing_fields(event))
            case e.HistoricalRatingsImported():
                count, half_stars = batch_totals(event)[key]
                movie["history_count"] += count
                movie["history_half_stars"] += half_stars
            case e.MovieRated():
                movie["site_count"] += 1
                movie["site_sum"] += event.rating
            case e.MovieRatingChanged():
                movie["site_sum"] += event.rating - event.previous
            case e.MovieRatingRemoved():
                movie["site_count"] -= 1
                movie["site_sum"] -= event.previous
        movie.update(rating_figures(movie["reference"], movie["history_count"] + movie["site_count"],
                                    movie["history_half_stars"] / 2 + movie["site_sum"]))
        return movie

    async def create_indexes(self, collection: AsyncCollection) -> None:
        await catalog_indexes(collection)


async def catalog_indexes(collection: AsyncCollection) -> None:
    """The indexes the pages and the search index use, on movies and shows alike."""
    await collection.create_index([("_pos", ASCENDING)], name="position")  # for the search index's refresh
    await collection.create_index([("popularity", DESCENDING)], name="popularity")
    await collection.create_index([("damped_mean", DESCENDING), ("rating_count", DESCENDING), ("title", ASCENDING)],
                                  name="best_rated")  # the pages' "popular" order
    await collection.create_index([("genres", ASCENDING)], name="genres")  # query with $in (nx-27017)
    await collection.create_index([("year", ASCENDING)], name="year")


def rating_figures(reference: dict | None, count: int, total: float) -> dict:
    """Count, mean, damped mean and popularity from a reference aggregate plus ``count`` ratings
    summing to ``total`` stars."""
    n = count + (reference["count"] if reference else 0)
    total += reference["count"] * reference["mean"] if reference else 0.0
    return {"rating_count": n, "rating_mean": round(total / n, 4) if n else None,
            "damped_mean": round((PRIOR_MEAN * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + n), 4), "popularity": n}


def listing_fields(event: e.Event) -> dict:
    """The metadata an event sets, as a document holds it: every field of a listing, only the given
    ones of a correction (msgspec leaves unset fields out)."""
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in msgspec.to_builtins(event).items() if name not in _ENVELOPE}


def batch_totals(event: e.HistoricalRatingsImported) -> dict[int, tuple[int, int]]:
    """movie id -> (ratings, sum of half stars) in a batch; computed once per batch, not once per movie."""
    totals = _TOTALS.get(event.event_id)
    if totals is None:
        movies = np.frombuffer(event.movies, dtype="<i4")
        ids, inverse, counts = np.unique(movies, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=np.frombuffer(event.half_stars, dtype=np.uint8), minlength=len(ids))
        totals = dict(zip(ids.tolist(), zip(counts.tolist(), sums.astype(np.int64).tolist())))
        if len(_TOTALS) >= 64:
            _TOTALS.pop(next(iter(_TOTALS)))
        _TOTALS[event.event_id] = totals
    return totals


_TOTALS: dict[str, dict[int, tuple[int, int]]] = {}  # a few batches: the runner applies one batch's keys in a row
