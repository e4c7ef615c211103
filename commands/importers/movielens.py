"""Readers for the MovieLens formats: the CSV releases (ml-latest, ml-latest-small, ml-25m), ml-1m's
``::``-separated .dat files and ml-100k's ``u.*`` files."""
from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from commands.importers.records import Bundle, LocalMovies, Ratings
from commands.importers.rows import (Problems, RowError, csv_rows, parse_half_stars, parse_int, split_rows)
from commands.importers.text import parse_movielens_title

NO_GENRES = "(no genres listed)"


def find(folder: Path, name: str) -> Path | None:
    """``folder/name``, or its gzipped copy."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def read_csv_release(folder: Path, source: str, bundle: Bundle) -> None:
    """movies.csv (+ links.csv, + ratings.csv when present) of a MovieLens CSV release."""
    links = _links(find(folder, "links.csv"), bundle.problems)
    for line, row in csv_rows(find(folder, "movies.csv"), ("movieId", "title", "genres"), bundle.problems):
        try:
            movie_id = parse_int(row["movieId"], "movieId", 1)
            bundle.offer_movie(movie_id, {**_listing(row["title"], row["genres"], "|"), **links.get(movie_id, {})},
                               source)
        except RowError as error:
            bundle.problems.add(find(folder, "movies.csv"), line, str(error))
    if ratings := find(folder, "ratings.csv"):
        bundle.histories.append(read_ratings(ratings, ",", source, bundle.problems, header=True))


def read_ml1m(folder: Path, bundle: Bundle) -> None:
    """ml-1m: movies.dat (MovieLens ids, latin-1) and ratings.dat, both '::'-separated."""
    movies = find(folder, "movies.dat")
    for line, (raw_id, title, genres, *_) in split_rows(movies, "::", 3, bundle.problems, "latin-1"):
        try:
            bundle.offer_movie(parse_int(raw_id, "MovieID", 1), _listing(title, genres, "|"), "ml-1m")
        except RowError as error:
            bundle.problems.add(movies, line, str(error))
    bundle.histories.append(read_ratings(find(folder, "ratings.dat"), "::", "ml-1m", bundle.problems))


def read_ml100k(folder: Path, bundle: Bundle) -> None:
    """ml-100k: u.item (its own item ids, matched to MovieLens ids later) and u.data (tab-separated)."""
    items = find(folder, "u.item")
    titles = {}
    for line, parts in split_rows(items, "|", 5, bundle.problems, "latin-1"):
        try:
            titles[parse_int(parts[0], "item id", 1)] = parse_movielens_title(parts[1])
        except RowError as error:
            bundle.problems.add(items, line, str(error))
    bundle.local_movies.append(LocalMovies("ml-100k", titles))
    bundle.histories.append(read_ratings(find(folder, "u.data"), "\t", "ml-100k", bundle.problems))


def read_ratings(path: Path, separator: str, source: str, problems: Problems, header: bool = False) -> Ratings:
    """user, movie, rating, timestamp rows -> packed arrays; malformed rows are reported and skipped."""
    users, movies, half_stars, stamps = array("i"), array("i"), array("B"), array("I")
    for line, parts in split_rows(path, separator, 4, problems):
        if header and line == 1:
            continue
        try:
            user, movie = parse_int(parts[0], "user id", 1), parse_int(parts[1], "movie id", 1)
            rating, stamp = parse_half_stars(parts[2]), parse_int(parts[3], "timestamp", 0, 2**32 - 1)
        except RowError as error:
            problems.add(path, line, str(error))
            continue
        users.append(user), movies.append(movie), half_stars.append(rating), stamps.append(stamp)
    return Ratings(source, np.frombuffer(users, np.int32), np.frombuffer(movies, np.int32),
                   np.frombuffer(half_stars, np.uint8), np.frombuffer(stamps, np.uint32))


def _listing(raw_title: str, genres: str, separator: str) -> dict:
    title, aka, year = parse_movielens_title(raw_title)
    if not title:
        raise RowError(f"empty title: {raw_title!r}")
    names = tuple(g for g in genres.split(separator) if g and g != NO_GENRES)
    return {"title": title, "aka": aka, "year": year, "genres": names}


def _links(path: Path | None, problems: Problems) -> dict[int, dict]:
    links: dict[int, dict] = {}
    if path is None:
        return links
    for line, row in csv_rows(path, ("movieId", "imdbId", "tmdbId"), problems):
        try:
            imdb = f"tt{parse_int(row['imdbId'], 'imdbId', 1):07d}" if row["imdbId"] else None
            tmdb = parse_int(row["tmdbId"], "tmdbId", 1) if row["tmdbId"] else None
            links[parse_int(row["movieId"], "movieId", 1)] = {"imdb_id": imdb, "tmdb_id": tmdb}
        except RowError as error:
            problems.add(path, line, str(error))
    return links
