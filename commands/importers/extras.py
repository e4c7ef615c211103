"""Readers for the catalog extras keyed by MovieLens id (directors, runtimes, per-movie rating
counts and means of the 33.8M ml-latest ratings) and for TMDB overviews (keyed by TMDB id)."""
from __future__ import annotations

from pathlib import Path

from commands.importers.movielens import find
from commands.importers.records import Bundle
from commands.importers.rows import RowError, csv_rows, each_row, parse_int

REFERENCE_SOURCE = "ml-latest-2023"  # the 33,832,162 ratings behind average_ratings.csv


def read_extras(folder: Path, bundle: Bundle) -> None:
    """Whichever of average_ratings.csv, movie_directors.csv, movie_runtimes.csv ``folder`` holds (or
    their gzipped copies)."""
    if path := find(folder, "average_ratings.csv"):
        _each(path, ("movieId", "avg_rating", "count"), bundle, lambda row: _reference(row, bundle))
        bundle.references_complete = True
    if path := find(folder, "movie_runtimes.csv"):
        _each(path, ("movieId", "runtimeMinutes"), bundle, lambda row: bundle.add_details(
            _movie_id(row), runtime=parse_int(row["runtimeMinutes"], "runtime", 1, 100_000)))
    if path := find(folder, "movie_directors.csv"):
        directors: dict[int, list[str]] = {}
        _each(path, ("movieId", "director"), bundle, lambda row: _director(row, directors))
        for movie_id, names in directors.items():
            bundle.add_details(movie_id, directors=tuple(names))


def read_tmdb(path: Path, bundle: Bundle) -> None:
    """tmdb_5000_movies.csv: overviews (and runtimes) by TMDB id, joined through links' tmdbId."""
    def overview(row: dict) -> None:
        details = {"overview": row["overview"].strip() or None}
        if row["runtime"] and float(row["runtime"]) > 0:
            details["runtime"] = int(float(row["runtime"]))
        bundle.tmdb[parse_int(row["id"], "id", 1)] = details

    _each(path, ("id", "overview", "runtime"), bundle, overview)


def _reference(row: dict, bundle: Bundle) -> None:
    count, mean = parse_int(row["count"], "count", 1), float(row["avg_rating"])
    if not 0.5 <= mean <= 5.0:
        raise RowError(f"avg_rating out of range: {mean}")
    bundle.add_details(_movie_id(row), reference={"count": count, "mean": round(mean, 4), "source": REFERENCE_SOURCE})


def _director(row: dict, directors: dict[int, list[str]]) -> None:
    if (name := row["director"].strip()) and name not in (names := directors.setdefault(_movie_id(row), [])):
        names.append(name)


def _each(path: Path, columns: tuple[str, ...], bundle: Bundle, handle) -> None:
    each_row(path, csv_rows(path, columns, bundle.problems), bundle.problems, handle)


def _movie_id(row: dict) -> int:
    return parse_int(row["movieId"], "movieId", 1)
