"""TV shows: the list (filtered, ordered for the member), a show's page with its seasons and episodes,
and what a member does with a show or an episode: rate, remove the rating, put the show aside."""
from __future__ import annotations

from typing import Annotated, Callable

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from commands import messages as m
from mybigmovie.bootstrap import Services
from web.deps import MemberDep, ReadsDep, RecommenderDep, ServicesDep, require, submit
from web.errors import Id
from web.forms import CommandForm, Decade, Genre, MarkForm, RatingForm, safe_next
from web.fragments import TitleState
from web.lists import show_page
from projections.read_side import ReadSide
from web.rendering import page, partial, see_other, wants_fragment
from projections.views import Member, ShowFilter

Season = Annotated[int, PathParameter(ge=0, le=1000)]
DECADES = range(2020, 1930, -10)  # television's


class ShowsController(Controller):
    path = "/shows"

    @get("/", name="shows")
    async def shows(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                    genre: Genre = None, decade: Decade = "",
                    page_number: Annotated[int, QueryParameter(name="page", ge=1, le=10_000)] = 1) -> Template:
        where = ShowFilter(genre or None, int(decade) if decade else None)
        found = await show_page(reads, recommender, member, where, page_number)
        return page(request, "pages/shows.html", block="results", member=member, found=found, where=where,
                    genres=await reads.genres("show"), decades=DECADES)

    @get("/{show_id:int}", name="show")
    async def show(self, request: Request, reads: ReadsDep, member: MemberDep, show_id: Id) -> Template:
        return await _show_page(request, reads, member, show_id)

    @post("/{show_id:int}/rating", name="rate_show")
    async def rate_show(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                        show_id: Id) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, None, RatingForm,
                          lambda f, user: m.RateShow(command_id=str(f.command_id), user_id=user, show_id=show_id,
                                                     rating=f.rating))

    @post("/{show_id:int}/rating/delete", name="unrate_show")
    async def unrate_show(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                          show_id: Id) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, None, CommandForm,
                          lambda f, user: m.RemoveShowRating(command_id=str(f.command_id), user_id=user,
                                                             show_id=show_id))

    @post("/{show_id:int}/not-seen", name="show_not_seen")
    async def not_seen(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                       show_id: Id) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, None, MarkForm,
                          lambda f, user: m.MarkShowNotSeen(command_id=str(f.command_id), user_id=user,
                                                            show_id=show_id, marked=f.marked))

    @post("/{show_id:int}/not-interested", name="show_not_interested")
    async def not_interested(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                             show_id: Id) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, None, MarkForm,
                          lambda f, user: m.MarkShowNotInterested(command_id=str(f.command_id), user_id=user,
                                                                  show_id=show_id, marked=f.marked))

    @post("/{show_id:int}/episodes/{season:int}/{episode:int}/rating", name="rate_episode")
    async def rate_episode(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                           show_id: Id, season: Season, episode: Season) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, (season, episode), RatingForm,
                          lambda f, user: m.RateEpisode(command_id=str(f.command_id), user_id=user,
                                                        show_id=show_id, season=season, episode=episode,
                                                        rating=f.rating))

    @post("/{show_id:int}/episodes/{season:int}/{episode:int}/rating/delete", name="unrate_episode")
    async def unrate_episode(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                             show_id: Id, season: Season, episode: Season) -> Template | Redirect:
        return await _act(request, reads, services, require(member), show_id, (season, episode), CommandForm,
                          lambda f, user: m.RemoveEpisodeRating(command_id=str(f.command_id), user_id=user,
                                                                show_id=show_id, season=season, episode=episode))


async def _show_page(request: Request, reads: ReadSide, member: Member | None, show_id: int,
                     error: str | None = None) -> Template:
    show = await reads.show(show_id)
    if show is None:
        raise NotFoundException(f"There is no show with id {show_id}.")
    return page(request, "pages/show.html", status_code=422 if error else 200, member=member, show=show,
                error=error)


async def _act(request: Request, reads: ReadSide, services: Services, member: Member, show_id: int,
               episode: tuple[int, int] | None, form_type: type[CommandForm],
               command: Callable[..., m.Command]) -> Template | Redirect:
    """Parse the form, send the command and answer: with the show's (or the episode's) widget for
    htmx (the shows list refreshes on the "rated" event), else by sending the browser back where it was."""
    error = await submit(request, services, member, form_type, command)
    back = safe_next((await request.form()).get("next"), f"/shows/{show_id}")
    if not wants_fragment(request):
        return await _show_page(request, reads, member, show_id, error) if error else see_other(back)
    if await reads.show(show_id) is None:
        raise NotFoundException(f"There is no show with id {show_id}.")
    return partial("partials/show_actions.html", status_code=422 if error else 200,
                   trigger=None if error else "rated", show_id=show_id, episode=episode, error=error, back=back,
                   state=TitleState.of_show(await reads.member(member.user_id), show_id, episode))
