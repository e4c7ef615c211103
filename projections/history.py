"""A member's history, for /me/history and their export: one document per member, an index of their
events packed as fixed-size entries.

Which events: what the member did or was told, from their account stream (sign-up, confirmation,
password and address changes, "log out everywhere", e-mail choices, the operator role, ratings of
movies, shows and episodes and their removal, "not seen" / "not interested" and their undoing) and
the picks e-mails sent to them (``picks-emailed``). Not the outbox's internals (planned, claimed,
failed, skipped), nothing of anyone else, and no clear-text sign-up (``user-signed-up/1``: such an
account cannot log in until ``mybigmovie migrate`` has sealed it, and the replay after it rebuilds
this read model).

**Why packed, not a document per event.** A document per event is the obvious shape, and it made a
replay of 50,000 member events take 35 s on nx-27017 (a document costs it ~0.5 ms to write), where
the whole replay of 1M events has 60 s. So each entry is 36 bytes (``ENTRY``): the event's log
position, its time, its type (``CODES``, stable numbers), the title's id (or the number of picks), the
season and episode, the rating and the rating it replaced (when the event says) in half stars, and
flags. Entries are kept in log order as base64 text (nx-27017 cannot replace a document holding
binary), 256 to a ``chunks`` string and the rest in ``tail``, so a fold packs one entry and never
re-encodes the others. That is everything the page words an entry from (titles are ids, named from
the catalog in memory; a show's "changed from" is the title's rating before, found in the entries)
and everything the ratings CSV needs; the events export reads each event as stored from the log, at
the positions kept here. A fold costs about what ``user_profiles``' does. Never a secret: a password
change is kept as "changed" or "reset", an address change as the fact alone. The newest
``MAX_ENTRIES`` are kept (the oldest chunk goes beyond that).

Erasure: ``account-deleted`` empties the member's document: no history is left of a deleted account.
"""
from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import StrEnum
from typing import Hashable, Iterable

import numpy as np
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e

NAME = "member_history"
ENTRY = struct.Struct("<qqBBqHHBB4x")  # position, ms since 1970, code, flags, number, season, episode, halves, previous
CHUNK = 256
MAX_ENTRIES = 100_000
DTYPE = np.dtype([("position", "<i8"), ("ms", "<i8"), ("code", "u1"), ("flags", "u1"), ("number", "<i8"),
                  ("season", "<u2"), ("episode", "<u2"), ("halves", "u1"), ("previous", "u1"), ("pad", "V4")])
assert DTYPE.itemsize == ENTRY.size == 36

# Flags
RESET = 2  # a password reset from an e-mailed link (not a change)
WEEKLY = 4  # e-mail choices: the weekly picks on
SHOWS = 8  # e-mail choices: TV shows in them on
WELCOME = 16  # picks e-mailed: the welcome e-mail


class HistoryKind(StrEnum):
    """What /me/history filters by (``?kind=``): typed, so no request text reaches anything."""

    RATINGS = "ratings"
    LISTS = "lists"
    ACCOUNT = "account"
    EMAILS = "emails"


# The number each event type is kept under: stored data, never renumbered (a new type gets a new number).
CODES: dict[type[e.Event], int] = {
    e.UserSignedUp: 1, e.EmailVerified: 2, e.PasswordChanged: 3, e.EmailChanged: 4, e.SessionsEnded: 5,
    e.EmailPreferencesChanged: 6, e.OperatorRoleGranted: 7, e.OperatorRoleRevoked: 8, e.PicksEmailed: 9,
    e.MovieRated: 10, e.MovieRatingChanged: 11, e.MovieRatingRemoved: 12, e.ShowRated: 13, e.EpisodeRated: 14,
    e.ShowRatingRemoved: 15, e.EpisodeRatingRemoved: 16, e.MarkedNotSeen: 17, e.NotSeenUnmarked: 18,
    e.MarkedNotInterested: 19, e.NotInterestedUnmarked: 20, e.ShowMarkedNotSeen: 21, e.ShowNotSeenUnmarked: 22,
    e.ShowMarkedNotInterested: 23, e.ShowNotInterestedUnmarked: 24}
EVENTS = tuple(CODES)  # the events a member's history (and their export) holds
TAGS = {code: cls.__struct_config__.tag for cls, code in CODES.items()}
KINDS: dict[HistoryKind, frozenset[int]] = {
    HistoryKind.RATINGS: frozenset(range(10, 17)), HistoryKind.LISTS: frozenset(range(17, 25)),
    HistoryKind.ACCOUNT: frozenset((1, 2, 3, 4, 5, 6, 7, 8)), HistoryKind.EMAILS: frozenset((9,))}
RATING_CODES = frozenset((10, 11, 13, 14))  # a title rated (removals are 12, 15, 16)
MOVIE_CODES = frozenset((10, 11, 12, 17, 18, 19, 20))
SHOW_CODES = frozenset((13, 14, 15, 16, 21, 22, 23, 24))


def empty_history(user_id: str) -> dict:
    return {"member": user_id, "count": 0, "first": 0, "chunks": [], "tail": [], "pending": None}


def _h(rating: float) -> int:
    """A rating in half stars (ratings are 0.5-5 in halves; anything else is kept within a byte)."""
    return min(255, max(0, int(rating * 2 + 0.5)))


# What each event keeps besides its time and type: (number, season, episode, halves, previous, flags).
_FIELDS = {
    e.MovieRated: lambda v: (v.movie_id, 0, 0, _h(v.rating), 0, 0),
    e.MovieRatingChanged: lambda v: (v.movie_id, 0, 0, _h(v.rating), _h(v.previous), 0),
    e.MovieRatingRemoved: lambda v: (v.movie_id, 0, 0, 0, _h(v.previous), 0),
    e.ShowRated: lambda v: (v.show_id, 0, 0, _h(v.rating), 0, 0),
    e.EpisodeRated: lambda v: (v.show_id, v.season, v.episode, _h(v.rating), 0, 0),
    e.ShowRatingRemoved: lambda v: (v.show_id, 0, 0, 0, 0, 0),
    e.EpisodeRatingRemoved: lambda v: (v.show_id, v.season, v.episode, 0, 0, 0),
    **dict.fromkeys((e.MarkedNotSeen, e.NotSeenUnmarked, e.MarkedNotInterested, e.NotInterestedUnmarked),
                    lambda v: (v.movie_id, 0, 0, 0, 0, 0)),
    **dict.fromkeys((e.ShowMarkedNotSeen, e.ShowNotSeenUnmarked, e.ShowMarkedNotInterested,
                     e.ShowNotInterestedUnmarked), lambda v: (v.show_id, 0, 0, 0, 0, 0)),
    e.PasswordChanged: lambda v: (0, 0, 0, 0, 0, RESET if v.reason == "reset" else 0),
    e.EmailPreferencesChanged: lambda v: (0, 0, 0, 0, 0, (WEEKLY if v.weekly else 0) | (SHOWS if v.shows else 0)),
    e.PicksEmailed: lambda v: (len(v.movie_ids) + len(v.show_ids), 0, 0, 0, 0,
                               WELCOME if v.occasion == "welcome" else 0),
    **dict.fromkeys((e.UserSignedUp, e.EmailVerified, e.EmailChanged, e.SessionsEnded, e.OperatorRoleGranted,
                     e.OperatorRoleRevoked), lambda v: (0, 0, 0, 0, 0, 0)),
}
assert _FIELDS.keys() == CODES.keys()


class History:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        return (event.user_id,) if type(event) in CODES or isinstance(event, e.AccountDeleted) else ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        if isinstance(event, e.AccountDeleted):  # erased: nothing of the history stays
            return {**empty_history(event.user_id), "erased": True}
        doc = document if document is not None else empty_history(event.user_id)
        if doc.get("erased"):  # an e-mail recorded just after the deletion, say: nothing comes back
            return doc
        # An event's position is not in the event: the runner sets it as the document's ``_pos`` right
        # after this fold. So the newest entry waits unpacked in ``pending`` and is packed, with that
        # position, by the next fold (or by a reader, ``entries``).
        if doc["pending"] is not None:
            doc["tail"].append(_pack(int(doc["_pos"]), doc["pending"]))
            if len(doc["tail"]) == CHUNK:
                doc["chunks"].append("".join(doc["tail"]))
                doc["tail"] = []
                if doc["count"] - doc["first"] > MAX_ENTRIES + CHUNK:
                    doc["chunks"].pop(0)
                    doc["first"] += CHUNK
        number, season, episode, halves, previous, flags = _FIELDS[type(event)](event)
        doc["pending"] = [int(event.occurred_at.timestamp() * 1000), CODES[type(event)], flags, number,
                          min(season, 0xFFFF), min(episode, 0xFFFF), halves, previous]
        doc["count"] += 1
        return doc

    async def create_indexes(self, collection: AsyncCollection) -> None:
        return None  # read by _id only


def _pack(position: int, pending: list) -> str:
    return binascii.b2a_base64(ENTRY.pack(position, *pending), newline=False).decode()


def entries(doc: dict | None) -> np.ndarray:
    """A history document's entries, oldest first, as a structured array (``DTYPE``)."""
    if not doc or not doc.get("count"):
        return np.zeros(0, dtype=DTYPE)
    packed = "".join([*doc.get("chunks", ()), *doc.get("tail", ())])
    if doc.get("pending") is not None:
        packed += _pack(int(doc["_pos"]), doc["pending"])
    return np.frombuffer(base64.b64decode(packed), dtype=DTYPE)


# --- what the read side hands out (projections/read_side.py) ------------------------------------------

@dataclass(frozen=True, slots=True)
class HistoryEntry:
    position: int
    at: datetime
    type: str  # the event's tag
    number: int  # the movie's or the show's id; the number of picks of an e-mail
    season: int
    episode: int
    rating: float | None
    previous: float | None  # the rating this one replaced (or removed)
    flags: int

    @classmethod
    def of(cls, row) -> "HistoryEntry":
        return cls(int(row["position"]), datetime.fromtimestamp(int(row["ms"]) / 1000, tz=timezone.utc),
                   TAGS.get(int(row["code"]), ""), int(row["number"]), int(row["season"]), int(row["episode"]),
                   int(row["halves"]) / 2 if row["halves"] else None,
                   int(row["previous"]) / 2 if row["previous"] else None, int(row["flags"]))

    @property
    def subject(self) -> str | None:
        """What ``number`` is the id of: "movie", "show", or None (an account event, an e-mail)."""
        code = CODES_BY_TAG.get(self.type, 0)
        return "movie" if code in MOVIE_CODES else "show" if code in SHOW_CODES else None


CODES_BY_TAG = {tag: code for code, tag in TAGS.items()}


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: list[HistoryEntry]  # newest first
    newer: bool  # whether entries newer than the first exist (of the same kind)
    older: bool  # whether entries older than the last exist

    @property
    def first(self) -> int | None:
        return self.entries[0].position if self.entries else None

    @property
    def last(self) -> int | None:
        return self.entries[-1].position if self.entries else None


@dataclass(frozen=True, slots=True)
class RatedTitle:
    """One of the member's current ratings, for the ratings CSV."""

    kind: str  # "movie", "show" or "episode"
    id: int  # the movie's id, or the show's
    season: int | None
    episode: int | None
    rating: float
    rated_at: datetime

    @classmethod
    def of(cls, entry: HistoryEntry) -> "RatedTitle":
        code = CODES_BY_TAG[entry.type]
        kind = "movie" if code in (10, 11) else "show" if code == 13 else "episode"
        return cls(kind, entry.number, entry.season if kind == "episode" else None,
                   entry.episode if kind == "episode" else None, entry.rating or 0.0, entry.at)


# The title an entry of a rating is about is (group, number, season, episode): a movie, a show, an episode.
_GROUP = np.zeros(256, dtype=np.int8)
_GROUP[[10, 11, 12]], _GROUP[[13, 15]], _GROUP[[14, 16]] = 1, 2, 3


def _same_title(rows: np.ndarray, i: int) -> np.ndarray:
    """The indexes of the entries before ``i`` about the title entry ``i`` is about."""
    head, row = rows[:i], rows[i]
    return np.flatnonzero((_GROUP[head["code"]] == _GROUP[row["code"]]) & (head["number"] == row["number"])
                          & (head["season"] == row["season"]) & (head["episode"] == row["episode"]))


def page_of(rows: np.ndarray, kind: HistoryKind | None, before: int | None, after: int | None,
            limit: int) -> HistoryPage:
    """``limit`` entries newest first: older than position ``before``; else just newer than ``after``;
    else the newest. Of one ``kind`` when given. A rating that does not carry the one it replaced (a
    show's, an episode's) is given it from the entries before it."""
    index = np.arange(len(rows)) if kind is None else np.flatnonzero(np.isin(rows["code"], list(KINDS[kind])))
    positions = rows["position"][index]  # ascending: the log's order
    if after is not None and before is None and (start := int(np.searchsorted(positions, after, side="right"))) \
            < len(index):
        end = min(len(index), start + limit)
    else:
        end = int(np.searchsorted(positions, before, side="left")) if before is not None else len(index)
        start = max(0, end - limit)
    found = []
    for i in index[start:end][::-1]:
        entry = HistoryEntry.of(rows[i])
        if entry.previous is None and _GROUP[rows["code"][i]]:
            earlier = _same_title(rows, int(i))
            if len(earlier) and rows["code"][earlier[-1]] in RATING_CODES:
                entry = replace(entry, previous=int(rows["halves"][earlier[-1]]) / 2)
        found.append(entry)
    return HistoryPage(found, end < len(index), start > 0)


def current_ratings(rows: np.ndarray) -> np.ndarray:
    """The entries holding the member's ratings now (each title's newest rating entry, unless it was
    a removal), in the order they were given."""
    rated = np.flatnonzero(_GROUP[rows["code"]] > 0)
    if not len(rated):
        return rows[:0]
    titled = rows[rated]
    order = np.lexsort((-rated, titled["episode"], titled["season"], titled["number"], _GROUP[titled["code"]]))
    keys = np.stack([_GROUP[titled["code"]].astype(np.int64), titled["number"], titled["season"].astype(np.int64),
                     titled["episode"].astype(np.int64)])[:, order]
    first = np.ones(len(order), dtype=bool)  # the first of each title in this order is its newest entry
    first[1:] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
    newest = np.sort(rated[order[first]])
    return rows[newest[np.isin(rows["code"][newest], list(RATING_CODES))]]
