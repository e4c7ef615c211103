"""TV shows: the list (filtered, ordered for the member), a show's page with its seasons (each
season's episodes loaded when it is opened, or on a page of its own), shows like it and why it is in
the member's list, and what a member does with a show or an episode: rate, remove the rating, put
the show aside. A season's episodes are rated with one form for the whole season."""
from __future__ import annotations

import uuid
import weakref
from collections import Counter
from typing import Annotated, Callable, ClassVar

import msgspec
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from commands import messages as m
from mybigmovie.i18n import N_, gettext as _
from domain.errors import DomainError, InvalidInput
from mybigmovie.bootstrap import Services
from mybigmovie.recommendations import Recommender
from recommender.tv import SHOW_ID_BASE, show_item_id
from web.deps import MemberDep, ReadsDep, RecommenderDep, ServicesDep, require, send, submit
from web.errors import Id
from web.forms import CommandForm, Decade, Genre, Hide, MarkForm, RatingForm, parse_form, safe_next
from web.fragments import Fragments, TitleState
from web.lists import guesses, show_page, taste_of
from projections.read_side import ReadSide
from web.page_cache import cached_page
from web.rendering import page, partial, see_other, wants_fragment
from web.security import SESSION_SEEN
from projections.views import Episode, Member, Show, ShowFilter, Title

Season = Annotated[int, PathParameter(ge=0, le=1000)]
DECADES = range(2020, 1930, -10)  # television's


class ShowsController(Controller):
    path = "/shows"

    @get("/", name="shows")
    async def shows(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                    genre: Genre = None, decade: Decade = "", hide: Hide = "",
                    page_number: Annotated[int, QueryParameter(name="page", ge=1, le=10_000)] = 1) -> Response:
        where = ShowFilter(genre or None, int(decade) if decade else None, hide == "rated" and member is not None)

        async def context() -> dict:
            found = await show_page(reads, recommender, member, where, page_number)
            return dict(found=found, where=where, genres=await reads.genres("show"), decades=DECADES,
                        guesses=await guesses(reads, recommender, member, found.movies))
        return await cached_page(request, "pages/shows.html", block="results", member=member, context=context)

    @get("/{show_id:int}", name="show")
    async def show(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                   show_id: Id) -> Response:
        return await cached_page(request, "pages/show.html", member=member,
                                 context=lambda: _show(reads, member, show_id, recommender))

    @get("/{show_id:int}/seasons/{season:int}", name="show_season")
    async def season(self, request: Request, reads: ReadsDep, member: MemberDep, show_id: Id, season: Season,
                     part: Annotated[int, QueryParameter(ge=1, le=1000)] = 1) -> Template:
        """A season's episodes (``part`` of a long one): a page of its own, or (for htmx, when the
        season is opened on the show's page) only its episodes."""
        return await _season_page(request, reads, member, show_id, season, part=part)

    @post("/{show_id:int}/seasons/{season:int}/ratings", name="rate_season")
    async def rate_season(self, request: Request, reads: ReadsDep, services: ServicesDep, member: MemberDep,
                          show_id: Id, season: Season) -> Template | Redirect:
        """The season's form: each episode whose rating the member changed is rated (or its rating
        removed); without JavaScript the browser is sent back to the season, with htmx the form
        stays as the member left it and learns what is now saved."""
        member = require(member)
        show, episodes = await _season_of(reads, show_id, season)
        fields = await request.form()
        sent = [episode.number for episode in episodes if fields.get(f"e{episode.number}") is not None]
        done, error = await _rate_episodes(request, services, member, show_id, season, episodes)
        back = safe_next(_text(fields.get("next")), _season_url(show_id, season))
        if not wants_fragment(request):
            if error:
                return await _season_page(request, reads, member, show_id, season, error,
                                          episode=sent[0] if sent else None)
            return see_other(back)
        fresh = await reads.member(member.user_id) or member
        ratings = _season_ratings(fresh, show_id, season)
        return partial("partials/season_saved.html", status_code=422 if error else 200,
                       trigger="rated" if done and not error else None, show=show, season=season, error=error,
                       saved=[(_episode(episodes, number), rating) for number, rating in done],
                       ratings=ratings, was=_was(ratings, sent))

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


async def _show(reads: ReadSide, member: Member | None, show_id: int, recommender: Recommender | None) -> dict:
    """What a show's page shows: the show, its seasons (closed: each loads its episodes when opened)
    and, with a model, the shows like it and the member's ratings that put it where it is in their list."""
    show = await reads.show(show_id)
    if show is None:
        raise NotFoundException(_("There is no show with id %(id)s.") % {"id": show_id})
    mine = Counter(int(key.split(":")[1]) for key in member.episode_ratings if key.startswith(f"{show_id}:")) \
        if member else Counter()
    alike = await _similar(reads, recommender, member, show)
    return dict(show=show, rated_in_season=mine, because=await _because(reads, recommender, member, show),
                similar=alike,
                guesses=await guesses(reads, recommender, member, [show.as_title()], alike) if recommender else {})


async def _season_of(reads: ReadSide, show_id: int, season: int) -> tuple[Show, list[Episode]]:
    show = await reads.show(show_id)
    if show is None:
        raise NotFoundException(_("There is no show with id %(id)s.") % {"id": show_id})
    if season not in show.seasons:
        raise NotFoundException(_("%(title)s has no season %(season)s.") % {"title": show.title, "season": season})
    return show, show.seasons[season]


PART = 50  # episodes shown (and selects in the form) at once: a long season comes in parts of this many


async def _season_page(request: Request, reads: ReadSide, member: Member | None, show_id: int, season: int,
                       error: str | None = None, part: int = 1, episode: int | None = None) -> Template:
    """The season's ``part`` (or the part holding ``episode``), with the member's ratings."""
    show, episodes = await _season_of(reads, show_id, season)
    if episode is not None:
        part = next((at // PART + 1 for at, found in enumerate(episodes) if found.number == episode), part)
    parts = [(at // PART + 1, chunk[0].number, chunk[-1].number)
             for at in range(0, len(episodes), PART) for chunk in [episodes[at:at + PART]]]
    if part > len(parts):
        raise NotFoundException(_("Season %(season)s of %(title)s has %(count)s episodes.") % {
            "season": season, "title": show.title, "count": len(episodes)})
    shown = episodes[(part - 1) * PART:part * PART]
    numbers = list(show.seasons)
    at = numbers.index(season)
    ratings = _season_ratings(member, show_id, season)
    return page(request, "pages/season.html", block="season", status_code=422 if error else 200, member=member,
                show=show, season=season, episodes=shown, episode_count=len(episodes), part=part,
                parts=parts if len(parts) > 1 else [], ratings=ratings,
                was=_was(ratings, [found.number for found in shown]), error=error, season_widget=season_widget,
                previous=numbers[at - 1] if at else None, following=numbers[at + 1] if at + 1 < len(numbers) else None)


SEASON_WIDGET = "partials/season_episodes.html"
_SEASON_FRAGMENTS: "weakref.WeakKeyDictionary[Environment, Fragments]" = weakref.WeakKeyDictionary()


@pass_context
def season_widget(context: Context) -> Markup:
    """The season's episodes and form (partials/season_episodes.html) for the page's context, kept per
    (episodes shown, the member's ratings of them) like the lists' cards (web/fragments.py): every
    visitor, and every member who rated none of them, shares one; the CSRF token and the command id
    are filled in per request. A part of 50 episodes costs ~1.4 ms of Jinja, a join from the cache
    ~20 µs. At most 512 kept per process (a long season's part is ~40 KB)."""
    env = context.environment
    if (fragments := _SEASON_FRAGMENTS.get(env)) is None:
        fragments = _SEASON_FRAGMENTS[env] = Fragments(env, size=512)
    names = ("show", "season", "episodes", "part", "parts", "ratings", "was", "error")
    variables = {name: context.get(name) for name in names} | {"member": bool(context.get("member"))}
    holes = {"csrf": context.call(context.resolve("csrf_token")), "back": "", "back_query": "", "rank": ""}
    if variables["error"]:  # a one-off: not kept
        return fragments.render_once(SEASON_WIDGET, variables, holes)
    ratings, episodes = variables["ratings"] or {}, tuple(variables["episodes"])
    mine = tuple((episode.number, ratings[episode.number]) for episode in episodes if episode.number in ratings)
    key = (variables["show"].id, variables["season"], episodes, variables["part"], tuple(variables["parts"]), mine,
           variables["member"])
    return fragments.render(SEASON_WIDGET, key, variables | {"ratings": dict(mine)}, holes)


def _text(value) -> str | None:
    """A form field's value if it is text (a multipart body may send a file under any name)."""
    return value if isinstance(value, str) else None


def _season_url(show_id: int, season: int) -> str:
    return f"/shows/{show_id}/seasons/{season}"


def _season_ratings(member: Member | None, show_id: int, season: int) -> dict[int, float]:
    """The member's ratings of the season's episodes, by episode number."""
    if not member:
        return {}
    prefix = f"{show_id}:{season}:"
    return {int(key[len(prefix):]): stars for key, stars in member.episode_ratings.items() if key.startswith(prefix)}


def _was(ratings: dict[int, float], numbers: list[int]) -> str:
    """The season form's ``was``: the ratings it is drawn with (of the episodes ``numbers`` it shows),
    "<episode>:<stars>" joined by commas."""
    return ",".join(f"{number}:{ratings[number]:g}" for number in sorted(numbers) if number in ratings)


def _episode(episodes: list[Episode], number: int) -> Episode:
    return next(episode for episode in episodes if episode.number == number)


HALF_STARS = frozenset(x / 2 for x in range(1, 11))


class SeasonRatingsForm(CommandForm, kw_only=True):
    """The season's one form: a select per episode (named "e<number>": a rating, or "" for none) and
    ``was``, the ratings the form was drawn with, so that only what the member changed is sent: a
    form left open in another tab does not undo what was rated since."""

    PROBLEM: ClassVar[str] = N_("Choose a rating from 0.5 to 5 stars for each episode, or “not rated”.")
    was: Annotated[str, msgspec.Meta(max_length=16_000)] = ""


def season_changes(fields, was: str, numbers: list[int]) -> list[tuple[int, float | None]]:
    """(episode number, new rating or None to remove it) for each of the season's episodes ``numbers``
    whose select in ``fields`` differs from ``was``; raises InvalidInput for anything not a rating."""
    before: dict[int, float] = {}
    for entry in was.split(",") if was else ():
        number, _, stars = entry.partition(":")
        if not (number.isdigit() and len(number) <= 6):
            raise InvalidInput(SeasonRatingsForm.PROBLEM)
        before[int(number)] = _stars(stars, blank=False)
    changes = []
    for number in numbers:
        value = fields.get(f"e{number}")
        if value is None:  # not sent: left as it is
            continue
        if (rating := _stars(value)) != before.get(number):
            changes.append((number, rating))
    return changes


def _stars(value, blank: bool = True) -> float | None:
    if blank and value == "":
        return None
    try:
        rating = float(value) if isinstance(value, str) and len(value) <= 6 else None
    except ValueError:
        rating = None
    if rating not in HALF_STARS:
        raise InvalidInput(SeasonRatingsForm.PROBLEM)
    return rating


async def _rate_episodes(request: Request, services: Services, member: Member, show_id: int, season: int,
                         episodes: list[Episode]) -> tuple[list[tuple[int, float | None]], str | None]:
    """Send a command for each episode the member changed: (what was done, the domain's objection
    or None). Each command's id is derived from the form's, so a form sent twice records once."""
    try:
        form = await parse_form(request, SeasonRatingsForm)
        changes = season_changes(await request.form(), form.was, [episode.number for episode in episodes])
    except DomainError as problem:
        return [], str(problem)
    done = []
    for number, rating in changes:
        command_id = str(uuid.uuid5(form.command_id, f"{season}:{number}:{rating}"))
        command = m.RemoveEpisodeRating(command_id=command_id, user_id=member.user_id, show_id=show_id,
                                        season=season, episode=number) if rating is None else \
            m.RateEpisode(command_id=command_id, user_id=member.user_id, show_id=show_id, season=season,
                          episode=number, rating=rating)
        try:
            position = await send(request, services, command)
        except DomainError as problem:
            return done, str(problem)
        request.session[SESSION_SEEN] = position  # whichever web process serves their next page shows it
        done.append((number, rating))
    return done, None


async def _similar(reads: ReadSide, recommender: Recommender | None, member: Member | None, show: Show,
                   k: int = 8) -> list[Title]:
    """Listed shows the model finds most like ``show`` (none put aside by the member); nothing
    without a model."""
    exclude = member.show_not_interested if member else frozenset()
    ids = recommender.similar_shows(show.id, k + len(exclude)) if recommender else None
    if not ids:
        return []
    shows = await reads.shows_by_id(ids)
    return [shows[i].as_title() for i in ids if i in shows and i not in exclude and i != show.id][:k]


async def _because(reads: ReadSide, recommender: Recommender | None, member: Member | None, show: Show,
                   k: int = 3) -> list[tuple[Title, float]]:
    """The member's rated movies and shows that most explain the show's place in their list (from the
    model; without one, their best-rated titles sharing most genres with it), with their rating of
    each. Nothing for a show they rated (or rated episodes of)."""
    taste = taste_of(member) if member and recommender else {}
    item = show_item_id(show.id)
    if not taste or item in taste:
        return []
    found = recommender.because_show(taste, show.id, k)
    if found is None:
        liked = [i for i, stars in taste.items() if stars >= 3.5]
        movies = await reads.movies_by_id(i for i in liked if i < SHOW_ID_BASE)
        shows = await reads.shows_by_id(i - SHOW_ID_BASE for i in liked if i >= SHOW_ID_BASE)
        mine = set(show.genres)
        titles = [*movies.values(), *(s.as_title() for s in shows.values())]
        ranked = sorted((t for t in titles if mine & set(t.genres)),
                        key=lambda t: (-len(mine & set(t.genres)), -taste[_item(t)]))
        return [(t, taste[_item(t)]) for t in ranked[:k]]
    movies = await reads.movies_by_id(i for kind, i in found if kind == "movie")
    shows = await reads.shows_by_id(i for kind, i in found if kind == "show")
    titles = [movies.get(i) if kind == "movie" else (shows[i].as_title() if i in shows else None) for kind, i in found]
    return [(t, taste[_item(t)]) for t in titles if t is not None and _item(t) in taste]


def _item(title: Title) -> int:
    """The title as the recommender's item."""
    return title.id if title.kind == "movie" else show_item_id(title.id)


async def _act(request: Request, reads: ReadSide, services: Services, member: Member, show_id: int,
               episode: tuple[int, int] | None, form_type: type[CommandForm],
               command: Callable[..., m.Command]) -> Template | Redirect:
    """Parse the form, send the command and answer: with the show's (or the episode's) widget for
    htmx (the shows list refreshes on the "rated" event), else by sending the browser back where it was."""
    error = await submit(request, services, member, form_type, command)
    back = safe_next((await request.form()).get("next"),
                     _season_url(show_id, episode[0]) if episode else f"/shows/{show_id}")
    if not wants_fragment(request):
        if error and episode and (show := await reads.show(show_id)) and episode[0] in show.seasons:
            return await _season_page(request, reads, member, show_id, episode[0], error, episode=episode[1])
        if error:
            return page(request, "pages/show.html", status_code=422, member=member, error=error,
                        **await _show(reads, member, show_id, None))
        return see_other(back)
    if await reads.show(show_id) is None:
        raise NotFoundException(_("There is no show with id %(id)s.") % {"id": show_id})
    return partial("partials/show_actions.html", status_code=422 if error else 200,
                   trigger=None if error else "rated", show_id=show_id, episode=episode, error=error, back=back,
                   state=TitleState.of_show(await reads.member(member.user_id), show_id, episode))
