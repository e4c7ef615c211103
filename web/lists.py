"""The lists on the pages, for a member or a visitor: the model's order when there is one,
damped-mean popularity from the movies read model when there is not."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mybigmovie.recommendations import Recommender, taste
from projections.read_side import ReadSide
from recommender.tv import SHOW_ID_BASE, show_item_id
from projections.views import Member, MovieFilter, Show, ShowFilter, Title

PAGE_SIZE = 24
ENOUGH_RATINGS = 5  # below this, a member is asked to rate rather than shown "for you"


async def show_page(reads: ReadSide, recommender: Recommender, member: Member | None, where: ShowFilter,
                    page: int) -> MoviePage:
    """One page of the shows list: for a member who rated anything, every listed show matching the
    filters in the model's order (shows are items of the same model as movies, so movie ratings
    alone already order them); shows they put aside (and, if they ask, rated) left out."""
    exclude = {*member.show_not_interested, *(member.show_ratings if where.hide_rated else ())} if member else set()
    return await _page(reads, recommender, member, where, page, exclude, show_item_id)


async def movie_page(reads: ReadSide, recommender: Recommender, member: Member | None, where: MovieFilter,
                     page: int) -> MoviePage:
    """One page of the movies list: for a member, every listed movie matching the filters in the
    model's order; titles they are not interested in (and, if they ask, rated) left out."""
    exclude = {*member.not_interested, *(member.ratings if where.hide_rated else ())} if member else set()
    return await _page(reads, recommender, member, where, page, exclude, lambda movie_id: movie_id)


async def _page(reads: ReadSide, recommender: Recommender, member: Member | None, where: MovieFilter, page: int,
                exclude: set[int], item_of: Callable[[int], int]) -> MoviePage:
    """Titles ``(page - 1) * PAGE_SIZE`` on of the listing for ``where``: in the member's order when
    there is a model and something to fold in, else most popular first."""
    listing = await reads.listing(where)
    taste = taste_of(member) if member else {}
    hidden = np.isin(listing.ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude))) if exclude else None
    start = (page - 1) * PAGE_SIZE
    stop = start + PAGE_SIZE + 1  # one more: is there a next page?
    order = recommender.order(taste, listing.key, lambda: [item_of(i) for i in listing.ids.tolist()], stop, hidden) \
        if taste and listing.titles else None
    personal = order is not None
    if order is None:
        order = np.arange(len(listing.titles)) if hidden is None else np.flatnonzero(~hidden)
    window = order[start:stop].tolist()
    return MoviePage([listing.titles[i] for i in window[:PAGE_SIZE]], page, len(window) > PAGE_SIZE, personal)


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


async def shows_for_you(reads: ReadSide, recommender: Recommender, member: Member, k: int = 6) -> list[Show]:
    """The member's best shows over every show the model knows, leaving out the ones they rated
    (or rated episodes of) or put aside; nothing until they rated enough to be past onboarding."""
    if len(member.ratings) + len(member.show_ratings) < ENOUGH_RATINGS:
        return []
    rated = {*member.show_ratings, *(int(key.split(":")[0]) for key in member.episode_ratings)}
    exclude = {show_item_id(show) for show in {*rated, *member.show_not_interested}}
    items = recommender.top(taste_of(member), 2 * k, exclude, shows=True) or []
    shows = await reads.shows_by_id(item - SHOW_ID_BASE for item in items)
    return [shows[i] for i in (item - SHOW_ID_BASE for item in items) if i in shows][:k]


async def guesses(reads: ReadSide, recommender: Recommender, member: Member | None,
                  *lists: list[Title]) -> dict[tuple[str, int], CardGuess]:
    """What the model thinks of each title on a page's ``lists`` for this visitor, by (kind, id):
    for a member with ratings, the rating it predicts and their rated title that adds most to the
    title's place in their list; where none adds (or for a visitor, or with no model yet), that the
    title is popular with members who like its genre, and how high it stands there. Nothing for a
    title the member rated: the card shows their own rating."""
    taste = taste_of(member) if member else {}
    titles = {(title.kind, title.id): title for found in lists for title in found}
    titles = {key: title for key, title in titles.items() if _item(title) not in taste}
    if not titles:
        return {}
    items = {key: _item(title) for key, title in titles.items()}
    found = (recommender.guesses(taste, list(items.values())) if taste else None) or {}
    reasons = {guess.because for guess in found.values() if guess.because is not None}
    movies = await reads.movies_by_id(item for item in reasons if item < SHOW_ID_BASE)
    shows = await reads.shows_by_id(item - SHOW_ID_BASE for item in reasons if item >= SHOW_ID_BASE)
    named = {**movies, **{show_item_id(i): show.as_title() for i, show in shows.items()}}
    unexplained = [title for key, title in titles.items()
                   if (guess := found.get(items[key])) is None or guess.because not in named]
    genres = await reads.best_genres(unexplained)
    cards = {}
    for key, item in items.items():
        guess = found.get(item)
        reason = named.get(guess.because) if guess is not None and guess.because is not None else None
        if reason is not None:
            cards[key] = CardGuess(guess.stars, reason, taste[guess.because])
        elif guess is not None or key in genres:
            cards[key] = CardGuess(guess.stars if guess else None, None, None, *genres.get(key, (None, None)))
    return cards


def _item(title: Title) -> int:
    """The title as the recommender's item."""
    return title.id if title.kind == "movie" else show_item_id(title.id)


@dataclass(frozen=True, slots=True)
class CardGuess:
    """What a card says of a title for its visitor: the rating the model predicts for a member
    ("you'd give it about 4 ★"), and why: a title they rated (``reason``, rated ``reason_stars``), or
    else the genre where the title stands highest among the popular (``genre``, at ``place``)."""

    stars: float | None
    reason: Title | None
    reason_stars: float | None
    genre: str | None = None
    place: int | None = None


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
