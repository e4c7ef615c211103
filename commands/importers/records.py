"""What the readers produce: one Bundle per import, filled by every source it reads."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commands.importers.rows import Problems

# Which source's title/year/genres win when two describe the same movie: the newest release.
RANKS = {"ml-latest": 4, "ml-25m": 3, "ml-latest-small": 2, "ml-1m": 1}


@dataclass
class Ratings:
    """Historical ratings of one source, in the source's file order."""

    source: str
    users: np.ndarray  # int32
    movies: np.ndarray  # int32: MovieLens movieIds (after mapping, for sources with their own ids)
    half_stars: np.ndarray  # uint8, 1..10
    timestamps: np.ndarray  # uint32
    synthetic: bool = False

    def __len__(self) -> int:
        return len(self.half_stars)

    def keep(self, mask: np.ndarray) -> "Ratings":
        return Ratings(self.source, self.users[mask], self.movies[mask], self.half_stars[mask],
                       self.timestamps[mask], self.synthetic)

    def last_per_pair(self) -> "Ratings":
        """One rating per (user, movie): the last in file order, as MovieLens keeps a re-rating."""
        key = self.users.astype(np.int64) << 32 | self.movies.astype(np.int64)
        _, last = np.unique(key[::-1], return_index=True)
        if len(last) == len(key):
            return self
        keep = np.zeros(len(key), dtype=bool)
        keep[len(key) - 1 - last] = True
        return self.keep(keep)


@dataclass
class LocalMovies:
    """Movies of a source with its own ids (ml-100k): matched to MovieLens ids by title and year."""

    source: str
    titles: dict[int, tuple[str, tuple[str, ...], int | None]]


@dataclass
class Bundle:
    """Everything read in one import, before it is compared with what the log already holds."""

    problems: Problems = field(default_factory=Problems)
    movies: dict[int, dict] = field(default_factory=dict)  # MovieLens id -> listing fields
    movie_ranks: dict[int, int] = field(default_factory=dict)
    details: dict[int, dict] = field(default_factory=dict)  # directors, runtime, reference
    tmdb: dict[int, dict] = field(default_factory=dict)  # TMDB id -> overview, runtime
    references_complete: bool = False  # a per-movie rating count file was read: absent means 0
    local_movies: list[LocalMovies] = field(default_factory=list)
    histories: list[Ratings] = field(default_factory=list)
    tv: dict[str, object] = field(default_factory=dict)  # raw TV tables, joined by importers.tv
    sources: list[str] = field(default_factory=list)  # "kind: path" of everything read
    notes: list[str] = field(default_factory=list)  # what joins matched and did not

    def offer_movie(self, movie_id: int, fields: dict, source: str) -> None:
        """Keep ``fields`` for ``movie_id`` unless a newer release already described it."""
        rank = RANKS.get(source, 0)
        if rank >= self.movie_ranks.get(movie_id, -1):
            self.movies[movie_id] = {**fields, "source": source}
            self.movie_ranks[movie_id] = rank

    def add_details(self, movie_id: int, **fields) -> None:
        self.details.setdefault(movie_id, {}).update(fields)
