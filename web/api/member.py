"""The member's half of the API, by personal token (web/api/auth.py): their recommendations with
the model's guess and its reason as the cards give them, their ratings (read, set, remove), their
history and their export. Every change is the command the web's forms send, through the same
handlers; ``Idempotency-Key`` is its command id, so a request sent again changes nothing twice."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, put
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from commands import messages as m
from projections.history import HistoryKind
from projections.views import Member, MovieFilter, ShowFilter
from web.api.auth import Caller, authenticated
from web.api.catalog import Decade, Genre, Page
from web.api.models import (EpisodeRatingOut, HistoryItem, HistoryOut, RatedTitleOut, Ratings, RatingIn,
                            Recommendation, Recommendations)
from web.api.problems import documented
from web.deps import NamedDependency, ReadsDep, RecommenderDep, ServicesDep, send
from web.errors import MAX_ID, Id
from web.export import event_lines
from web.lists import guesses, movie_page, show_page
from web.page_cache import cached_body

CallerDep = NamedDependency[Caller]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200,
                                                       description="The change's id: sent again, it changes nothing")]
Before = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="Entries older than this position")]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
READ, WRITE = documented(401, 422, 429, 503), documented(401, 403, 404, 413, 422, 429, 503)


class MemberApi(Controller):
    path = "/me"
    tags = ["member"]
    security = [{"token": []}]
    guards = [authenticated]  # the token is checked before anything else of the request is read
    cache_control = CacheControlHeader(no_store=True)  # the member's own: no cache keeps a copy

    @get("/recommendations", responses=READ, summary="The member's list: what they have not rated, best first")
    async def recommendations(self, request: Request, reads: ReadsDep, recommender: RecommenderDep,
                              caller: CallerDep, kind: FromQuery[Literal["movies", "shows"]] = "movies",
                              genre: Genre = None, decade: Decade = None, page: Page = 1) -> Response[Recommendations]:
        member = caller.member

        async def encoded() -> bytes:
            if kind == "movies":
                found = await movie_page(reads, recommender, member, MovieFilter(genre, decade, True), page)
            else:
                found = await show_page(reads, recommender, member, ShowFilter(genre, decade, True), page)
            cards = await guesses(reads, recommender, member, found.movies)
            return msgspec.json.encode(Recommendations(
                items=[Recommendation.of(t, cards.get((t.kind, t.id))) for t in found.movies], page=page,
                next_page=page + 1 if found.has_next else None, personal=found.personal))
        # Kept while the member, the catalog and the model stay the same (web/page_cache.py).
        return Response(await cached_body(request, member, encoded), media_type=MediaType.JSON)

    @get("/ratings", responses=READ, summary="Every movie, show and episode the member rated")
    async def ratings(self, reads: ReadsDep, caller: CallerDep) -> Ratings:
        return await _ratings(reads, caller.member)

    @put("/ratings/movies/{movie_id:int}", responses=WRITE, summary="Rate a movie (or change its rating)")
    async def rate_movie(self, request: Request, services: ServicesDep, reads: ReadsDep, caller: CallerDep,
                         movie_id: Id, data: JSONBody[RatingIn],
                         idempotency_key: IdempotencyKey = None) -> RatedTitleOut:
        await send(request, services, m.RateMovie(command_id=_command_id(idempotency_key),
                                                  user_id=caller.member.user_id, movie_id=movie_id, rating=data.stars))
        return await _rated(reads, caller, "movie", movie_id)

    @delete("/ratings/movies/{movie_id:int}", responses=WRITE, summary="Remove the member's rating of a movie")
    async def unrate_movie(self, request: Request, services: ServicesDep, caller: CallerDep, movie_id: Id,
                           idempotency_key: IdempotencyKey = None) -> None:
        await send(request, services, m.RemoveMovieRating(command_id=_command_id(idempotency_key),
                                                          user_id=caller.member.user_id, movie_id=movie_id))

    @put("/ratings/shows/{show_id:int}", responses=WRITE, summary="Rate a TV show (or change its rating)")
    async def rate_show(self, request: Request, services: ServicesDep, reads: ReadsDep, caller: CallerDep,
                        show_id: Id, data: JSONBody[RatingIn], idempotency_key: IdempotencyKey = None) -> RatedTitleOut:
        await send(request, services, m.RateShow(command_id=_command_id(idempotency_key), user_id=caller.member.user_id,
                                                 show_id=show_id, rating=data.stars))
        return await _rated(reads, caller, "show", show_id)

    @delete("/ratings/shows/{show_id:int}", responses=WRITE, summary="Remove the member's rating of a TV show")
    async def unrate_show(self, request: Request, services: ServicesDep, caller: CallerDep, show_id: Id,
                          idempotency_key: IdempotencyKey = None) -> None:
        await send(request, services, m.RemoveShowRating(command_id=_command_id(idempotency_key),
                                                         user_id=caller.member.user_id, show_id=show_id))

    @get("/history", responses=READ, summary="The member's events, newest first, as /me/history shows them")
    async def history(self, reads: ReadsDep, caller: CallerDep, kind: FromQuery[HistoryKind | None] = None,
                      before: Before = None, limit: Limit = 25) -> HistoryOut:
        found = await reads.history_page(caller.member.user_id, kind, before=before, limit=limit)
        return HistoryOut(entries=[HistoryItem.of(entry) for entry in found.entries],
                          older=found.last if found.older else None)

    @get("/export/events.jsonl", responses=READ, media_type="application/x-ndjson",
         summary="The member's events as JSON Lines (docs/EXPORT.md)")
    async def export_events(self, services: ServicesDep, reads: ReadsDep, caller: CallerDep) -> Stream:
        return Stream(event_lines(reads, services.store, caller.member.user_id), media_type="application/x-ndjson")


def _command_id(idempotency_key: str | None) -> str:
    return f"api:{idempotency_key}" if idempotency_key else str(uuid.uuid4())


async def _rated(reads, caller: Caller, kind: str, title_id: int) -> RatedTitleOut:
    """The member's rating of the title as it now stands (read-your-writes: the command was waited for)."""
    member = await reads.member(caller.member.user_id) or caller.member
    ratings = member.ratings if kind == "movie" else member.show_ratings
    title = await (reads.movie(title_id) if kind == "movie" else reads.show(title_id))
    return RatedTitleOut(kind=kind, id=title_id, title=title.title if title else None,  # type: ignore[arg-type]
                         stars=ratings.get(title_id, 0.0))


async def _ratings(reads, member: Member) -> Ratings:
    movies = await reads.movies_by_id(member.ratings)
    shows = await reads.shows_by_id(member.show_ratings)
    episodes = []
    for key, stars in member.episode_ratings.items():
        show_id, season, episode = (int(part) for part in key.split(":"))
        episodes.append(EpisodeRatingOut(show_id=show_id, season=season, episode=episode, stars=stars))
    return Ratings(
        movies=[RatedTitleOut(kind="movie", id=i, title=movies[i].title if i in movies else None, stars=r)
                for i, r in sorted(member.ratings.items())],
        shows=[RatedTitleOut(kind="show", id=i, title=shows[i].title if i in shows else None, stars=r)
               for i, r in sorted(member.show_ratings.items())],
        episodes=sorted(episodes, key=lambda e: (e.show_id, e.season, e.episode)))
