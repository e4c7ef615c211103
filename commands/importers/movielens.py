"""Readers for the MovieLens formats: the CSV releases (ml-latest, ml-latest-small, ml-25m), ml-1m's
``::``-separated .dat files and ml-100k's ``u.*`` files."""
from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from commands.importers.records import Bundle, LocalMovies, Ratings
from commands.importers.rows import (
    Problems,
    RowError,
    SourceError,
    csv_rows,
    each_row,
    parse_half_stars,
    parse_int,
    split_rows,
)
from commands.importers.text import parse_movielens_title

NO_GENRES = "(no genres listed)"
RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]


def find(folder: Path, name: str) -> Path | None:
    """``folder/name``, or its gzipped copy."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def read_csv_release(folder: Path, source: str, bundle: Bundle) -> None:
    """movies.csv (+ links.csv, + ratings.csv when present) of a MovieLens CSV release."""
    links: dict[int, dict] = {}
    if path := find(folder, "links.csv"):
        each_row(path, csv_rows(path, ("movieId", "imdbId", "tmdbId"), bundle.problems), bundle.problems,
                 lambda row: links.update([_link(row)]))

    def offer(row: dict) -> None:
        movie_id = parse_int(row["movieId"], "movieId", 1)
        bundle.offer_movie(movie_id, {**_listing(row["title"], row["genres"]), **links.get(movie_id, {})}, source)

    path = find(folder, "movies.csv")
    each_row(path, csv_rows(path, ("movieId", "title", "genres"), bundle.problems), bundle.problems, offer)
    if path := find(folder, "ratings.csv"):
        bundle.histories.append(read_ratings(path, ",", source, bundle.problems, header=RATINGS_HEADER))


def read_ml1m(folder: Path, bundle: Bundle) -> None:
    """ml-1m: movies.dat (MovieLens ids, latin-1) and ratings.dat, both '::'-separated."""
    path = find(folder, "movies.dat")
    each_row(path, split_rows(path, "::", 3, bundle.problems, "latin-1"), bundle.problems,
             lambda parts: bundle.offer_movie(parse_int(parts[0], "MovieID", 1), _listing(parts[1], parts[2]),
                                              "ml-1m"))
    bundle.histories.append(read_ratings(find(folder, "ratings.dat"), "::", "ml-1m", bundle.problems))


def read_ml100k(folder: Path, bundle: Bundle) -> None:
    """ml-100k: u.item (its own item ids, matched to MovieLens ids later) and u.data (tab-separated)."""
    titles: dict[int, tuple] = {}
    path = find(folder, "u.item")
    each_row(path, split_rows(path, "|", 5, bundle.problems, "latin-1"), bundle.problems,
             lambda parts: titles.update([(parse_int(parts[0], "item id", 1), parse_movielens_title(parts[1]))]))
    bundle.local_movies.append(LocalMovies("ml-100k", titles))
    bundle.histories.append(read_ratings(find(folder, "u.data"), "\t", "ml-100k", bundle.problems))


def read_ratings(path: Path, separator: str, source: str, problems: Problems,
                 header: list[str] | None = None) -> Ratings:
    """user, movie, rating, timestamp rows -> packed arrays; malformed rows are reported and skipped.

    A plain split, not the csv module: ratings files have no quoting, and 25M rows take half the time.
    """
    users, movies, half_stars, stamps = array("i"), array("i"), array("B"), array("I")
    for line, parts in split_rows(path, separator, 4, problems):
        if header and line == 1:
            if parts[:4] != header:
                raise SourceError(f"{path}:1: expected the columns {','.join(header)}, found {','.join(parts)}")
            continue
        try:
            user, movie = parse_int(parts[0], "user id", 1), parse_int(parts[1], "movie id", 1)
            rating, stamp = parse_half_stars(parts[2]), parse_int(parts[3], "timestamp", 0, 2**32 - 1)
        except RowError as error:
            problems.add(path, line, str(error))
            continue
        users.append(user)
        movies.append(movie)
        half_stars.append(rating)
        stamps.append(stamp)
    return Ratings(source, np.frombuffer(users, np.int32), np.frombuffer(movies, np.int32),
                   np.frombuffer(half_stars, np.uint8), np.frombuffer(stamps, np.uint32)).last_per_pair()


def _listing(raw_title: str, genres: str) -> dict:
    title, aka, year = parse_movielens_title(raw_title)
    if not title:
        raise RowError(f"empty title: {raw_title!r}")
    return {"title": title, "aka": aka, "year": year,
            "genres": tuple(g for g in genres.split("|") if g and g != NO_GENRES)}


def _link(row: dict) -> tuple[int, dict]:
    imdb = f"tt{parse_int(row['imdbId'], 'imdbId', 1):07d}" if row["imdbId"] else None
    tmdb = parse_int(row["tmdbId"], "tmdbId", 1) if row["tmdbId"] else None
    return parse_int(row["movieId"], "movieId", 1), {"imdb_id": imdb, "tmdb_id": tmdb}
