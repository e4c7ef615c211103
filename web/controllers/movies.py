"""Movies: the list (ordered for the member), a movie's page, and what a member does with a movie."""
from __future__ import annotations

from typing import Annotated, Callable

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from commands import messages as m
from mybigmovie.i18n import gettext as _
from mybigmovie.bootstrap import Services
from mybigmovie.recommendations import Recommender
from web.deps import MemberDep, ReadsDep, RecommenderDep, ServicesDep, require, submit
from web.errors import Id
from web.fragments import TitleState
from web.forms import CommandForm, Decade, Genre, Hide, MarkForm, RatingForm, safe_next
from web.lists import because, guesses, movie_page, similar
from projections.read_side import ReadSide
from web.page_cache import cached_page
from web.rendering import page, partial, see_other, wants_fragment
from projections.views import Member, MovieFilter


class MoviesController(Controller):
    path = "/movies"

    @get("/", name="movies")
    async def movies(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                     genre: Genre = None, decade: Decade = "", hide: Hide = "",
                     page_number: Annotated[int, QueryParameter(name="page", ge=1, le=10_000)] = 1) -> Response:
        where = MovieFilter(genre or None, int(decade) if decade else None, hide == "rated" and member is not None)

        async def context() -> dict:
            found = await movie_page(reads, recommender, member, where, page_number)
            return dict(found=found, where=where, genres=await reads.genres(), decades=range(2020, 1910, -10),
                        guesses=await guesses(reads, recommender, member, found.movies))
        return await cached_page(request, "pages/movies.html", block="results", member=member, context=context)

    @get("/{movie_id:int}", name="movie")
    async def movie(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                    movie_id: Id) -> Response:
        return await cached_page(request, "pages/movie.html", member=member,
                                 context=lambda: _movie(reads, recommender, member, movie_id))

    @post("/{movie_id:int}/rating", name="rate_movie")
    async def rate(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, services: ServicesDep,
                   member: MemberDep, movie_id: Id) -> Template | Redirect:
        return await _act(request, reads, recommender, services, require(member), movie_id, RatingForm,
                          lambda f, user: m.RateMovie(command_id=str(f.command_id), user_id=user, movie_id=movie_id,
                                                      rating=f.rating))

    @post("/{movie_id:int}/rating/delete", name="unrate_movie")
    async def unrate(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, services: ServicesDep,
                     member: MemberDep, movie_id: Id) -> Template | Redirect:
        return await _act(request, reads, recommender, services, require(member), movie_id, CommandForm,
                          lambda f, user: m.RemoveMovieRating(command_id=str(f.command_id), user_id=user,
                                                              movie_id=movie_id))

    @post("/{movie_id:int}/not-seen", name="not_seen")
    async def not_seen(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, services: ServicesDep,
                       member: MemberDep, movie_id: Id) -> Template | Redirect:
        return await _act(request, reads, recommender, services, require(member), movie_id, MarkForm,
                          lambda f, user: m.MarkNotSeen(command_id=str(f.command_id), user_id=user,
                                                        movie_id=movie_id, marked=f.marked))

    @post("/{movie_id:int}/not-interested", name="not_interested")
    async def not_interested(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, services: ServicesDep,
                             member: MemberDep, movie_id: Id) -> Template | Redirect:
        return await _act(request, reads, recommender, services, require(member), movie_id, MarkForm,
                          lambda f, user: m.MarkNotInterested(command_id=str(f.command_id), user_id=user,
                                                              movie_id=movie_id, marked=f.marked))


async def _movie(reads: ReadSide, recommender: Recommender, member: Member | None, movie_id: int) -> dict:
    """What a movie's page shows: the movie, why it is in the member's list, the movies like it."""
    movie = await reads.movie(movie_id)
    if movie is None:
        raise NotFoundException(_("There is no movie with id %(id)s.") % {"id": movie_id})
    alike = await similar(reads, recommender, member, movie)
    return dict(movie=movie, because=await because(reads, recommender, member, movie), similar=alike,
                guesses=await guesses(reads, recommender, member, [movie], alike))


async def _act(request: Request, reads: ReadSide, recommender: Recommender, services: Services, member: Member,
               movie_id: int, form_type: type[CommandForm], command: Callable[..., m.Command]) -> Template | Redirect:
    """Parse the form, send the command and answer: with the movie's widget for htmx (the page's
    lists refresh on the "rated" event), else by sending the browser back where it was."""
    error = await submit(request, services, member, form_type, command)
    back = safe_next((await request.form()).get("next"), f"/movies/{movie_id}")
    if not wants_fragment(request):
        if error:
            return page(request, "pages/movie.html", status_code=422, member=member, error=error,
                        **await _movie(reads, recommender, member, movie_id))
        return see_other(back)
    movie = await reads.movie(movie_id)
    if movie is None:
        raise NotFoundException(_("There is no movie with id %(id)s.") % {"id": movie_id})
    return partial("partials/movie_actions.html", status_code=422 if error else 200,
                   trigger=None if error else "rated", movie=movie, error=error, back=back,
                   state=TitleState.of(await reads.member(member.user_id), movie_id))
