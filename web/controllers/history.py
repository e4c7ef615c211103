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

from mybigmovie.email_picks import stars
from projections.history import RESET, SHOWS, WEEKLY, WELCOME, HistoryEntry, HistoryKind
from projections.views import Show, Title
from web.deps import MemberDep, ReadsDep, ServicesDep, require
from web.errors import MAX_ID
from web.export import event_lines, rating_rows
from web.rendering import page

PAGE_SIZE = 25
Position = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
KIND_LABELS = {HistoryKind.RATINGS: "Ratings", HistoryKind.LISTS: "Put aside", HistoryKind.ACCOUNT: "Account",
               HistoryKind.EMAILS: "E-mails"}


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
                    kinds=[(None, "Everything", history_url(None))] + [(k, label, history_url(k))
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

    when: str  # "2 Dec 18:04" (the year too when it is not this one), UTC
    iso: str  # for <time datetime>
    lead: str
    title: str = ""
    href: str | None = None
    tail: str = ""


def describe(entry: HistoryEntry, movies: dict[int, Title], shows: dict[int, Show], now: datetime) -> Line:
    at = entry.at.astimezone(timezone.utc)
    when = f"{at.day} {at:%b} {at:%H:%M}" if at.year == now.year else f"{at.day} {at:%b} {at.year} {at:%H:%M}"
    line = lambda lead, tail="", **title: Line(when, at.isoformat(), lead, tail=tail, **title)  # noqa: E731
    title = _title(entry, movies, shows)
    episode = _episode(entry, shows)
    match entry.type:
        case "movie-rated/1" | "movie-rating-changed/1" | "show-rated/1" | "episode-rated/1":
            previous = entry.previous
            changed = f", changed from {stars(previous)}" if previous is not None and previous != entry.rating else ""
            return line("rated", _joined(episode, f"{stars(entry.rating or 0)}{changed}"), **title)
        case "movie-rating-removed/1" | "show-rating-removed/1" | "episode-rating-removed/1":
            was = f"(it was {stars(entry.previous)})" if entry.previous is not None else ""
            return line("removed your rating of", _joined(episode, was), **title)
        case "marked-not-seen/1" | "show-marked-not-seen/1":
            return line("marked", "as not seen", **title)
        case "not-seen-unmarked/1" | "show-not-seen-unmarked/1":
            return line("took", "off your “not seen” list", **title)
        case "marked-not-interested/1" | "show-marked-not-interested/1":
            return line("marked", "as not interested", **title)
        case "not-interested-unmarked/1" | "show-not-interested-unmarked/1":
            return line("said you are interested in", "again", **title)
        case "picks-emailed/1":
            named = "the welcome e-mail" if entry.flags & WELCOME else "the weekly e-mail"
            return line(f"we e-mailed you {entry.number} pick{'s' if entry.number != 1 else ''}: {named}")
        case "email-preferences-changed/1":
            return line(f"set your e-mail choices: the weekly picks {_on(entry.flags & WEEKLY)}, "
                        f"TV shows in them {_on(entry.flags & SHOWS)}")
        case "password-changed/1":
            return line("reset your password from an e-mailed link" if entry.flags & RESET else "changed your password")
    return line(_ACCOUNT.get(entry.type, "did something we cannot describe yet"))


_ACCOUNT = {"user-signed-up/2": "signed up", "email-verified/1": "confirmed your e-mail address",
            "email-changed/1": "changed your e-mail address", "sessions-ended/1": "logged out everywhere",
            "operator-role-granted/1": "got the operator role", "operator-role-revoked/1": "lost the operator role"}


def _title(entry: HistoryEntry, movies: dict[int, Title], shows: dict[int, Show]) -> dict:
    if entry.subject is None:
        return {}
    found = (movies if entry.subject == "movie" else shows).get(entry.number)
    if found is None:  # no longer listed: said by number, with no link to a page that is not there
        return {"title": f"{entry.subject} #{entry.number}"}
    return {"title": found.title, "href": f"/{entry.subject}s/{entry.number}"}


def _episode(entry: HistoryEntry, shows: dict[int, Show]) -> str:
    if entry.type not in ("episode-rated/1", "episode-rating-removed/1"):
        return ""
    season, number, show = entry.season, entry.episode, shows.get(entry.number)
    name = next((ep.title for ep in (show.seasons.get(season, ()) if show else ()) if ep.number == number), None)
    return f"S{season} E{number}" + (f" “{name}”" if name and name != f"Episode {number}" else "")


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _on(value) -> str:
    return "on" if value else "off"
