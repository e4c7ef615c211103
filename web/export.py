"""A member's data as files they can take away: their events as JSON Lines, their ratings as CSV.

Both are written a page at a time: the events read from the log at the positions the member's history
keeps (projections/history.py, 36 bytes an event), the ratings from that history; so a member with
10,000 ratings costs the web process next to nothing more than one with ten (``bench/export_bench.py``
measures it). The format is documented, and versioned, in docs/EXPORT.md;
``ExportLine`` below is that schema as msgspec types, which the tests hold every line to.
"""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timezone
from typing import AsyncIterator, Literal, Sequence, Union

import msgspec

from commands.store import EventStore, Recorded
from domain import events as e
from projections.history import EVENTS, RatedTitle
from projections.read_side import ReadSide

SCHEMA_VERSION = 1
HEADER_TAG = "mybigmovie-export/1"


class ExportHeader(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag=HEADER_TAG,
                   forbid_unknown_fields=True):
    """The file's first line."""

    schema_version: Literal[1] = SCHEMA_VERSION
    user_id: str
    exported_at: datetime
    events: Literal["oldest first"] = "oldest first"


class Opened(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """A sealed ``personal`` field as the member gets it: opened, without the password hash (a secret
    nobody needs, dangerous in a file that may be left lying around)."""

    email: str | None = None
    display_name: str | None = None


_SEALED = (e.UserSignedUp, e.PasswordChanged, e.EmailChanged)


def _line_type(event_type: type[e.Event]) -> type[msgspec.Struct]:
    """The stored event's type with its log ``position`` added and, when it has a sealed field, that
    field opened (``Opened``, or null should the member's key be gone). No other field is allowed."""
    fields: list = [("position", int)]
    if event_type in _SEALED:
        fields.append(("personal", Union[Opened, None]))
    return msgspec.defstruct(f"Exported{event_type.__name__}", fields, bases=(event_type,),
                             tag=event_type.__struct_config__.tag, kw_only=True, frozen=True,
                             forbid_unknown_fields=True)


LINE_TYPES: dict[str, type[msgspec.Struct]] = {cls.__struct_config__.tag: _line_type(cls) for cls in EVENTS}
LINE_CLASSES = frozenset(EVENTS)
# Any line of an events export: msgspec.json.decode(line, type=ExportLine) validates it.
ExportLine = Union[(ExportHeader, *LINE_TYPES.values())]


async def event_lines(reads: ReadSide, store: EventStore, user_id: str,
                      now: datetime | None = None) -> AsyncIterator[bytes]:
    """The events export: a header line, then each of the member's events as stored, oldest first,
    read from the log a window at a time at the positions their history keeps."""
    header = ExportHeader(user_id=user_id, exported_at=now or datetime.now(timezone.utc))
    yield msgspec.json.encode(header) + b"\n"
    async for page in events_at(store, await reads.history_positions(user_id)):
        chunk = bytearray()
        for recorded in page:
            event = recorded.event
            if type(event) not in LINE_CLASSES or getattr(event, "user_id", None) != user_id:
                continue  # never so (the positions are the member's own), but never anyone else's either
            if isinstance(event, _SEALED):
                chunk += await _opened_line(reads, user_id, recorded.position, event)
            else:  # the event as stored, with its position: '{"type":…,"rating":4.0}' -> '…,"position":7}'
                chunk += msgspec.json.encode(event)[:-1] + b',"position":' + str(recorded.position).encode() + b"}"
            chunk += b"\n"
        yield bytes(chunk)


async def events_at(store: EventStore, positions: Sequence[int], span: int = 500,
                    gap: int = 16) -> AsyncIterator[list[Recorded]]:
    """The events at ``positions`` (ascending), a window of the log at a time: each read covers
    positions at most ``gap`` apart within ``span`` of its first, so a member's run of events is one
    read and their events scattered among others' cost one read each. Other events a window holds
    are dropped here."""
    i = 0
    while i < len(positions):
        j = i
        while (j + 1 < len(positions) and positions[j + 1] - positions[j] <= gap
               and positions[j + 1] - positions[i] < span):
            j += 1
        wanted = {int(p) for p in positions[i:j + 1]}
        found: list[Recorded] = []
        for _ in range(50):  # a window stops at a commit not visible yet (MongoDB): read on from there
            after = found[-1].position if found else int(positions[i]) - 1
            found += await store.read_all(after=after, limit=int(positions[j]) - after)
            if not found or found[-1].position >= positions[j]:
                break
            await asyncio.sleep(0.01)
        yield [r for r in found if r.position in wanted]
        i = j + 1


async def _opened_line(reads: ReadSide, user_id: str, position: int, event: e.Event) -> bytes:
    opened = await reads.open_sealed(user_id, event.personal)
    personal = None if opened is None else Opened(email=opened.get("email"), display_name=opened.get("display_name"))
    fields = {name: getattr(event, name) for name in event.__struct_fields__ if name != "personal"}
    return msgspec.json.encode(LINE_TYPES[event.__struct_config__.tag](**fields, personal=personal, position=position))


CSV_COLUMNS = ("kind", "title_id", "title", "year", "season", "episode", "episode_title", "rating", "rated_at",
               "imdb_id")


async def rating_rows(reads: ReadSide, user_id: str) -> AsyncIterator[bytes]:
    """The ratings export: a header row, then one row per title the member rates now (movies, shows,
    episodes), least recently rated first."""
    yield _csv_rows([CSV_COLUMNS])
    async for page in reads.rated_titles(user_id):
        movies = await reads.movies_by_id(r.id for r in page if r.kind == "movie")
        shows = await reads.shows_by_id(r.id for r in page if r.kind != "movie")
        imdb = {"movie": await reads.imdb_ids("movie", (r.id for r in page if r.kind == "movie")),
                "show": await reads.imdb_ids("show", (r.id for r in page if r.kind == "show"))}
        yield _csv_rows([_row(r, movies.get(r.id) if r.kind == "movie" else shows.get(r.id), imdb) for r in page])


def _row(rated: RatedTitle, title, imdb: dict[str, dict[int, str]]) -> list:
    episode_title = ""
    if rated.kind == "episode" and title is not None:
        episode_title = next((ep.title for ep in title.seasons.get(rated.season, ()) if ep.number == rated.episode), "")
        episode_title = "" if episode_title == f"Episode {rated.episode}" else episode_title  # a label, not a title
    return [rated.kind, rated.id, _cell(title.title if title else ""), title.year if title and title.year else "",
            "" if rated.season is None else rated.season, "" if rated.episode is None else rated.episode,
            _cell(episode_title), f"{rated.rating:g}", iso_utc(rated.rated_at),
            imdb.get(rated.kind, {}).get(rated.id, "")]


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is given a leading apostrophe
    (OWASP's advice on CSV injection); the catalog's titles come from public data sets."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(rows: list) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second: 2026-12-02T18:04:05Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
