"""The lists on the pages, for a member or a visitor: the model's order when there is one,
damped-mean popularity from the movies read model when there is not."""
from __future__ import annotations

from dataclasses import dataclass

from projections.read_side import ReadSide
from mybigmovie.recommendations import Recommender, taste
from projections.views import Member, MovieFilter, ShowFilter, Title

PAGE_SIZE = 24
POOL = 480  # a member's list re-ranks this many popular titles matching the filters
ENOUGH_RATINGS = 5  # below this, a member is asked to rate rather than shown "for you"


async def show_page(reads: ReadSide, recommender: Recommender, member: Member | None, where: ShowFilter,
                    page: int) -> MoviePage:
    """One page of the shows list: for a member who rated anything, re-ranked by the model (shows are
    items of the same model as movies, so movie ratings alone already order them); shows they are
    not interested in left out."""
    exclude = member.show_not_interested if member else ()
    start = (page - 1) * PAGE_SIZE
    if member and taste_of(member) and start < POOL and recommender.available:
        pool = await reads.shows(where, exclude, limit=POOL)
        window = _rank(recommender, member, pool, start, PAGE_SIZE + 1, shows=True)
        if window is not None:
            return MoviePage(window[:PAGE_SIZE], page, len(window) > PAGE_SIZE or len(pool) == POOL, True)
    found = await reads.shows(where, exclude, skip=start, limit=PAGE_SIZE + 1)
    return MoviePage(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, False)


@dataclass(frozen=True)
class MoviePage:
    movies: list[Title]
    page: int
    has_next: bool
    personal: bool  # ordered for the member by the model, not by popularity

    @property
    def start(self) -> int:
        """How many titles come before this page."""
        return (self.page - 1) * PAGE_SIZE


async def movie_page(reads: ReadSide, recommender: Recommender, member: Member | None, where: MovieFilter,
                     page: int) -> MoviePage:
    """One page of the movies list: for a member, re-ranked by the model; titles they are not
    interested in left out."""
    exclude = member.not_interested if member else ()
    start = (page - 1) * PAGE_SIZE
    if member and start < POOL and recommender.available:
        pool = await reads.popular_movies(where, exclude, limit=POOL)
        window = _rank(recommender, member, pool, start, PAGE_SIZE + 1)
        if window is not None:
            more = len(window) > PAGE_SIZE or len(pool) == POOL
            return MoviePage(window[:PAGE_SIZE], page, more, True)
    found = await reads.popular_movies(where, exclude, skip=start, limit=PAGE_SIZE + 1)
    return MoviePage(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE, False)


async def for_you(reads: ReadSide, recommender: Recommender, member: Member, k: int = 12) -> list[Title]:
    """What to show a member first: titles to rate while they have few ratings, then their picks.

    Titles they rated or are not interested in are left out; while they are still rating, so are
    the ones they said they have not seen.
    """
    onboarding = len(member.ratings) < ENOUGH_RATINGS
    exclude = {*member.ratings, *member.not_interested, *(member.not_seen if onboarding else ())}
    # Ask for more than k: the model may know titles the catalog does not list.
    ids = recommender.to_ask(2 * k, exclude) if onboarding else recommender.top(taste_of(member), 2 * k, exclude)
    ids = ids or []
    titles = await reads.movies_by_id(ids) if ids else {}
    if picked := [titles[i] for i in ids if i in titles][:k]:
        return picked
    return await reads.popular_movies(MovieFilter(), exclude, limit=k)


async def because(reads: ReadSide, recommender: Recommender, member: Member | None, movie: Title,
                  k: int = 3) -> list[tuple[Title, float]]:
    """The member's own ratings that explain a suggestion: from the model when there is one, else
    their best-rated movies sharing most genres with it. Nothing for a movie they rated already."""
    if not member or not member.ratings or movie.id in member.ratings:
        return []
    ids = recommender.because(taste_of(member), movie.id, k)
    if ids is None:
        liked = [m for m, r in member.ratings.items() if r >= 3.5]
        rated = await reads.movies_by_id(liked)
        mine = set(movie.genres)
        ids = sorted((m for m in rated if mine & set(rated[m].genres)),
                     key=lambda m: (-len(mine & set(rated[m].genres)), -member.ratings[m]))[:k]
    titles = await reads.movies_by_id(ids)
    return [(titles[m], member.ratings[m]) for m in ids if m in titles and m in member.ratings]


async def similar(reads: ReadSide, recommender: Recommender, member: Member | None, movie: Title,
                  k: int = 8) -> list[Title]:
    exclude = member.not_interested if member else frozenset()
    ids = recommender.similar(movie.id, k + len(exclude))
    if ids is None:
        return await reads.same_genres(movie, exclude, k)
    titles = await reads.movies_by_id(ids)
    return [titles[m] for m in ids if m in titles and m not in exclude and m != movie.id][:k]


def taste_of(member: Member) -> dict[int, float]:
    """Every movie and show the member rated, as the recommender's items."""
    return taste(member.ratings, member.show_ratings, member.episode_ratings)


def _rank(recommender: Recommender, member: Member, pool: list[Title], start: int, count: int,
          shows: bool = False) -> list[Title] | None:
    """``count`` titles from ``start`` of ``pool`` (most popular first) in the member's order;
    popularity breaks ties. None without a model."""
    order = recommender.ranked(taste_of(member), [t.id for t in pool], shows=shows) if pool else None
    return None if order is None else [pool[i] for i in order[start:start + count]]
