"""A member's own history (/me/history), and their data to take away (/me/export/…).

The history is the member's document in the ``member_history`` read model (projections/history.py:
their events packed, 36 bytes each), read in one go and shown 25 entries at a time, newest first,
with "Newer" and "Older" links that carry the log position to go on from and a filter by kind (a typed
query value: an unknown kind is a 400 and reaches nothing). Titles are named from the catalog in
memory as the page renders. Times are in UTC, and the page says so.

The exports are streamed (web/export.py, docs/EXPORT.md): a download of 10,000 events holds one
window of the log at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream, Template

from mybigmovie import i18n
from mybigmovie.email_picks import stars
from mybigmovie.i18n import N_, gettext as _, ngettext, pgettext
from projections.history import RESET, SHOWS, WEEKLY, WELCOME, HistoryEntry, HistoryKind
from projections.views import Show, Title
from web.deps import MemberDep, ReadsDep, ServicesDep, require
from web.errors import MAX_ID
from web.export import event_lines, rating_rows
from web.rendering import page

PAGE_SIZE = 25
Position = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
KIND_LABELS = {HistoryKind.RATINGS: N_("Ratings"), HistoryKind.LISTS: N_("Put aside"),
               HistoryKind.ACCOUNT: N_("Account"), HistoryKind.EMAILS: N_("E-mails")}


class HistoryController(Controller):
    @get("/me/history", name="history")
    async def history(self, request: Request, reads: ReadsDep, member: MemberDep,
                      kind: FromQuery[HistoryKind | None] = None, before: Position = None,
                      after: Position = None) -> Template:
        member = require(member)
        found = await reads.history_page(member.user_id, kind, before=before, after=after, limit=PAGE_SIZE)
        movies = await reads.movies_by_id({entry.number for entry in found.entries if entry.subject == "movie"})
        shows = await reads.shows_by_id({entry.number for entry in found.entries if entry.subject == "show"})
        now = datetime.now(timezone.utc)
        return page(request, "pages/history.html", member=member, kind=kind,
                    lines=[describe(entry, movies, shows, now) for entry in found.entries],
                    kinds=[(None, _("Everything"), history_url(None))] + [(k, _(label), history_url(k))
                                                                          for k, label in KIND_LABELS.items()],
                    newer=history_url(kind, after=found.first) if found.newer else None,
                    older=history_url(kind, before=found.last) if found.older else None,
                    newest=history_url(kind) if found.newer else None)

    @get("/me/export/events.jsonl", name="export_events")
    async def export_events(self, services: ServicesDep, reads: ReadsDep, member: MemberDep) -> Stream:
        member = require(member)
        return Stream(event_lines(reads, services.store, member.user_id), media_type="application/x-ndjson",
                      headers=_attachment("mybigmovie-events.jsonl"))

    @get("/me/export/ratings.csv", name="export_ratings")
    async def export_ratings(self, reads: ReadsDep, member: MemberDep) -> Stream:
        member = require(member)
        return Stream(rating_rows(reads, member.user_id), media_type="text/csv; charset=utf-8",
                      headers=_attachment("mybigmovie-ratings.csv"))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def history_url(kind: HistoryKind | None, before: int | None = None, after: int | None = None) -> str:
    query = urlencode({name: value for name, value in (("kind", kind.value if kind else None), ("before", before),
                                                       ("after", after)) if value})
    return f"/me/history?{query}" if query else "/me/history"


# --- the words ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One entry as the page shows it: "<when> — <lead> <title> <tail>" (the title a link when known)."""

    when: str  # "2 Dec 18:04" / "2 déc. 18:04" (the year too when it is not this one), UTC
    iso: str  # for <time datetime>
    lead: str
    title: str = ""
    href: str | None = None
    tail: str = ""


def describe(entry: HistoryEntry, movies: dict[int, Title], shows: dict[int, Show], now: datetime) -> Line:
    at = entry.at.astimezone(timezone.utc)
    when = i18n.day_and_time(at) if at.year == now.year else i18n.day_and_time(at, year=True)
    line = lambda lead, tail="", **title: Line(when, at.isoformat(), lead, tail=tail, **title)  # noqa: E731
    title = _title(entry, movies, shows)
    episode = _episode(entry, shows)
    match entry.type:
        case "movie-rated/1" | "movie-rating-changed/1" | "show-rated/1" | "episode-rated/1":
            previous = entry.previous
            rating = stars(entry.rating or 0)
            tail = (_("%(rating)s, changed from %(previous)s") % {"rating": rating, "previous": stars(previous)}
                    if previous is not None and previous != entry.rating else rating)
            return line(pgettext("history", "rated"), _joined(episode, tail), **title)
        case "movie-rating-removed/1" | "show-rating-removed/1" | "episode-rating-removed/1":
            was = _("(it was %(rating)s)") % {"rating": stars(entry.previous)} if entry.previous is not None else ""
            return line(_("removed your rating of"), _joined(episode, was), **title)
        case "marked-not-seen/1" | "show-marked-not-seen/1":
            return line(_("marked"), _("as not seen"), **title)
        case "not-seen-unmarked/1" | "show-not-seen-unmarked/1":
            return line(_("took"), _("off your “not seen” list"), **title)
        case "marked-not-interested/1" | "show-marked-not-interested/1":
            return line(_("marked"), _("as not interested"), **title)
        case "not-interested-unmarked/1" | "show-not-interested-unmarked/1":
            return line(_("said you are interested in"), _("again"), **title)
        case "picks-emailed/1":
            return line((ngettext("we e-mailed you %(count)s pick: the welcome e-mail",
                                  "we e-mailed you %(count)s picks: the welcome e-mail", entry.number)
                         if entry.flags & WELCOME else
                         ngettext("we e-mailed you %(count)s pick: the weekly e-mail",
                                  "we e-mailed you %(count)s picks: the weekly e-mail", entry.number))
                        % {"count": entry.number})
        case "email-preferences-changed/1":
            return line(_("set your e-mail choices: the weekly picks %(weekly)s, TV shows in them %(shows)s")
                        % {"weekly": _on(entry.flags & WEEKLY), "shows": _on(entry.flags & SHOWS)})
        case "password-changed/1":
            return line(_("reset your password from an e-mailed link") if entry.flags & RESET
                        else _("changed your password"))
    return line(_(_ACCOUNT.get(entry.type, N_("did something we cannot describe yet"))))


_ACCOUNT = {"user-signed-up/2": N_("signed up"), "email-verified/1": N_("confirmed your e-mail address"),
            "email-changed/1": N_("changed your e-mail address"), "sessions-ended/1": N_("logged out everywhere"),
            "operator-role-granted/1": N_("got the operator role"),
            "operator-role-revoked/1": N_("lost the operator role")}


def _title(entry: HistoryEntry, movies: dict[int, Title], shows: dict[int, Show]) -> dict:
    if entry.subject is None:
        return {}
    found = (movies if entry.subject == "movie" else shows).get(entry.number)
    if found is None:  # no longer listed: said by number, with no link to a page that is not there
        return {"title": (_("movie #%(number)s") if entry.subject == "movie" else _("show #%(number)s"))
                % {"number": entry.number}}
    return {"title": found.title, "href": f"/{entry.subject}s/{entry.number}"}


def _episode(entry: HistoryEntry, shows: dict[int, Show]) -> str:
    if entry.type not in ("episode-rated/1", "episode-rating-removed/1"):
        return ""
    season, number, show = entry.season, entry.episode, shows.get(entry.number)
    name = next((ep.title for ep in (show.seasons.get(season, ()) if show else ()) if ep.number == number), None)
    code = _("S%(season)s E%(episode)s") % {"season": season, "episode": number}
    return code + (f" “{name}”" if name and name != f"Episode {number}" else "")


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _on(value) -> str:
    return _("on") if value else _("off")
