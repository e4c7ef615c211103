"""TV shows: the list, a show's page with its seasons and episodes, and rating a show or an episode."""
from __future__ import annotations

from typing import Annotated, Callable

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from commands import messages as m
from mybigmovie.bootstrap import Services
from mybigmovie.recommendations import Recommender
from web.deps import MemberDep, ReadsDep, RecommenderDep, ServicesDep, require, submit
from web.errors import Id
from web.forms import RatingForm, safe_next
from web.lists import show_page
from projections.read_side import ReadSide
from web.rendering import page, partial, see_other, wants_fragment
from projections.views import Member

Season = Annotated[int, PathParameter(ge=0, le=1000)]


class ShowsController(Controller):
    path = "/shows"

    @get("/", name="shows")
    async def shows(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                    page_number: Annotated[int, QueryParameter(name="page", ge=1, le=10_000)] = 1) -> Template:
        found = await show_page(reads, recommender, member, page_number)
        return page(request, "pages/shows.html", block="results", member=member, shows=found.movies,
                    page_number=page_number, has_next=found.has_next, personal=found.personal)

    @get("/{show_id:int}", name="show")
    async def show(self, request: Request, reads: ReadsDep, member: MemberDep, show_id: Id) -> Template:
        return await _show_page(request, reads, member, show_id)

    @post("/{show_id:int}/rating", name="rate_show")
    async def rate_show(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                        show_id: Id) -> Template | Redirect:
        return await _rate(request, reads, services, require(member), show_id, None,
                           lambda f, user: m.RateShow(command_id=str(f.command_id), user_id=user, show_id=show_id,
                                                      rating=f.rating))

    @post("/{show_id:int}/episodes/{season:int}/{episode:int}/rating", name="rate_episode")
    async def rate_episode(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                           show_id: Id, season: Season, episode: Season) -> Template | Redirect:
        return await _rate(request, reads, services, require(member), show_id, (season, episode),
                           lambda f, user: m.RateEpisode(command_id=str(f.command_id), user_id=user,
                                                         show_id=show_id, season=season, episode=episode,
                                                         rating=f.rating))


async def _show_page(request: Request, reads: ReadSide, member: Member | None, show_id: int,
                     error: str | None = None) -> Template:
    show = await reads.show(show_id)
    if show is None:
        raise NotFoundException(f"There is no show with id {show_id}.")
    return page(request, "pages/show.html", status_code=422 if error else 200, member=member, show=show,
                error=error)


async def _rate(request: Request, reads: ReadSide, services: Services, member: Member, show_id: int,
                episode: tuple[int, int] | None, command: Callable[..., m.Command]) -> Template | Redirect:
    error = await submit(request, services, member, RatingForm, command)
    back = safe_next((await request.form()).get("next"), f"/shows/{show_id}")
    if not wants_fragment(request):
        return await _show_page(request, reads, member, show_id, error) if error else see_other(back)
    show = await reads.show(show_id)
    if show is None:
        raise NotFoundException(f"There is no show with id {show_id}.")
    member = await reads.member(member.user_id)
    return partial("partials/show_rating.html", status_code=422 if error else 200, show_id=show_id, episode=episode,
                   current=member.rating_of_show(show_id, episode) if member else None, signed_in=member is not None,
                   error=error, back=back)
