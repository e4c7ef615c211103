"""The site's one door to ``recommender/``: lists for a member, explanations, similar titles, status.

Everything here degrades: while no model is trained (or the recommender is not installed) lists
are ordered by damped-mean popularity from the movies read model and "similar" means "sharing
most genres", and the status line says so. Pages never see the recommender's API, only these
functions, so a change there is a change here only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from web.queries import Member, MovieFilter, Reads, Title

log = logging.getLogger(__name__)
PAGE_SIZE = 24
POOL = 480  # a member's list re-ranks this many popular titles matching the filters
ENOUGH_RATINGS = 5  # below this, a member is asked to rate rather than shown "for you"


@dataclass(frozen=True)
class ModelStatus:
    state: str  # "none", "training" or "ready"
    message: str

    @property
    def busy(self) -> bool:
        return self.state == "training"


class Recommender:
    """Holds the trained model (if any) for the life of the app."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir

    def status(self) -> ModelStatus:
        return ModelStatus("none", "No model is trained yet, so lists are ordered by how well liked each title is.")

    def scores(self, member: Member, ids: list[int]) -> list[float] | None:
        """Predicted liking of ``ids`` for ``member``; None without a model."""
        return None

    def because(self, member: Member, movie_id: int, k: int) -> list[int] | None:
        """The member's rated movies that most explain ``movie_id``; None without a model."""
        return None

    def similar(self, movie_id: int, k: int) -> list[int] | None:
        return None


@dataclass(frozen=True)
class MoviePage:
    movies: list[Title]
    page: int
    has_next: bool
    personal: bool  # ordered for the member by the model, not by popularity


async def movie_page(reads: Reads, recommender: Recommender, member: Member | None, where: MovieFilter,
                     page: int) -> MoviePage:
    """One page of the movies list: for a member, re-ranked by the model; titles they are not
    interested in left out."""
    exclude = member.not_interested if member else ()
    start = (page - 1) * PAGE_SIZE
    if member and start < POOL:
        pool = await reads.popular_movies(where, exclude, limit=POOL)
        ranked = _rank(recommender, member, pool)
        if ranked is not None:
            window = ranked[start:start + PAGE_SIZE + 1]
            more = len(window) > PAGE_SIZE or len(pool) == POOL
            return MoviePage(window[:PAGE_SIZE], page, more, True)
    found = await reads.popular_movies(where, exclude, skip=start, limit=PAGE_SIZE + 1)
    return MoviePage(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, False)


async def for_you(reads: Reads, recommender: Recommender, member: Member, k: int = 12) -> list[Title]:
    """What to show a member first: titles to rate while they have few ratings, then their picks.

    Titles they rated or are not interested in are left out; while they are still rating, so are
    the ones they said they have not seen.
    """
    onboarding = len(member.ratings) < ENOUGH_RATINGS
    exclude = {*member.ratings, *member.not_interested, *(member.not_seen if onboarding else ())}
    pool = await reads.popular_movies(MovieFilter(), exclude, limit=k if onboarding else POOL)
    ranked = None if onboarding else _rank(recommender, member, pool)
    return (ranked if ranked is not None else pool)[:k]


async def because(reads: Reads, recommender: Recommender, member: Member | None, movie: Title,
                  k: int = 3) -> list[tuple[Title, float]]:
    """The member's own ratings that explain a suggestion: from the model when there is one, else
    their best-rated movies sharing most genres with it."""
    if not member or not member.ratings:
        return []
    ids = recommender.because(member, movie.id, k)
    if ids is None:
        liked = [m for m, r in member.ratings.items() if r >= 3.5 and m != movie.id]
        rated = await reads.movies_by_id(liked)
        mine = set(movie.genres)
        ids = sorted((m for m in rated if mine & set(rated[m].genres)),
                     key=lambda m: (-len(mine & set(rated[m].genres)), -member.ratings[m]))[:k]
    titles = await reads.movies_by_id(ids)
    return [(titles[m], member.ratings[m]) for m in ids if m in titles and m in member.ratings]


async def similar(reads: Reads, recommender: Recommender, member: Member | None, movie: Title,
                  k: int = 8) -> list[Title]:
    exclude = member.not_interested if member else frozenset()
    ids = recommender.similar(movie.id, k + len(exclude))
    if ids is None:
        return await reads.same_genres(movie, exclude, k)
    titles = await reads.movies_by_id(ids)
    return [titles[m] for m in ids if m in titles and m not in exclude and m != movie.id][:k]


def _rank(recommender: Recommender, member: Member, pool: list[Title]) -> list[Title] | None:
    scores = recommender.scores(member, [t.id for t in pool]) if pool else None
    if scores is None:
        return None
    order = sorted(range(len(pool)), key=lambda i: -scores[i])  # stable: popularity breaks ties
    return [pool[i] for i in order]
