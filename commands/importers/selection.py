"""Which movies an import lists, and which ratings it can keep.

The site's catalog is every movie with ``min_ratings`` real ratings (the ml-latest aggregate), every
movie an imported real history rates, and everything listed before. Ratings keep MovieLens ids;
ml-100k's own item ids are matched by title and year, and ratings of movies with no catalog entry
are dropped (and counted in the report).
"""
from __future__ import annotations

from collections import defaultdict
from itertools import chain

import numpy as np

from commands.importers.catalog import Known
from commands.importers.records import Bundle, Ratings
from commands.importers.text import title_variants


def select_movies(bundle: Bundle, known: Known, min_ratings: int) -> dict[int, dict]:
    """Listing fields and details by movie id, for the movies to list or correct."""
    rated = set(chain.from_iterable(np.unique(r.movies).tolist() for r in bundle.histories if not r.synthetic))
    chosen = {}
    for movie_id in {*bundle.movies, *bundle.details}:
        fields = {**bundle.movies.get(movie_id, {}), **bundle.details.get(movie_id, {})}
        tmdb_id = fields.get("tmdb_id") or known.movies.get(movie_id, {}).get("tmdb_id")
        if tmdb_id in bundle.tmdb:  # TMDB's runtime only where the IMDb-derived one is missing
            fields = {**{k: v for k, v in bundle.tmdb[tmdb_id].items() if v is not None}, **fields}
        reference = fields.get("reference") or known.movies.get(movie_id, {}).get("reference")
        count = reference["count"] if reference else (0 if bundle.references_complete else None)
        if movie_id in known.movies or movie_id in rated or count is None or count >= min_ratings:
            chosen[movie_id] = fields
    return chosen


def map_local_ids(bundle: Bundle, known: Known) -> None:
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
            found = set().union(*(index.get((variant, year), set()) for variant in title_variants(title, aka)))
            if len(found) == 1:
                table[item] = found.pop()
        matched = int(np.count_nonzero(table))
        bundle.notes.append(f"{local.source}: {matched:,} of {len(local.titles):,} movies matched to MovieLens ids "
                            f"by title and year; the ratings of the other {len(local.titles) - matched:,} are dropped")
        for position, ratings in enumerate(bundle.histories):
            if ratings.source == local.source:
                inside = ratings.movies < len(table)  # 0 where there is no match: dropped below
                mapped = np.where(inside, table[np.where(inside, ratings.movies, 0)], 0)
                # ml-100k lists a few films twice under two ids: one MovieLens id, so one rating each
                bundle.histories[position] = Ratings(ratings.source, ratings.users, mapped, ratings.half_stars,
                                                     ratings.timestamps, ratings.synthetic).last_per_pair()


def keep_listed(ratings: Ratings, known: Known, movies: dict[int, dict]) -> tuple[Ratings, int]:
    """The ratings of movies that are (or are about to be) listed, and how many were dropped."""
    listable = {movie_id for movie_id, fields in movies.items() if "title" in fields} | known.movies.keys()
    keep = np.isin(ratings.movies, np.fromiter(listable, dtype=np.int32, count=len(listable)))
    return (ratings if keep.all() else ratings.keep(keep)), int(len(ratings) - keep.sum())
