"""The catalog in the log: what is listed already, and the events that bring it up to the sources.

Listings go to a few shard streams (``movies-07``, ``shows-03``), many events to a commit, so 20k
movies take ~100 commits instead of 20k. An import first folds those streams (what is listed), then
appends only the differences: a ``MovieListed`` for a new title, a ``MovieMetadataCorrected``
carrying just the fields that changed. Running an import twice therefore appends nothing. Event
ids are uuid5 of the stream, its version and the content: a retried append after a crash resends
the very same commit (the store returns its positions), while an append raced by another import
fails on the expected version instead of listing twice.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import msgspec

from commands.importers.records import RANKS
from commands.store import EventStore
from domain import events as e

MOVIE_SHARDS, SHOW_SHARDS = 64, 16
COMMIT_EVENTS = 500  # events per append: commits stay well under MongoDB's 16 MB document limit
_IDS = uuid.UUID("0d5c3f0e-7a51-4c1e-9a0b-5be0c4a7f3d2")
_BASE = ("title", "year", "genres", "aka", "imdb_id", "tmdb_id")  # the fields a release's rank guards
_ENVELOPE = ("type", "event_id", "stream", "occurred_at", "source")


def movie_stream(movie_id: int) -> str:
    return f"movies-{movie_id % MOVIE_SHARDS:02d}"


def show_stream(show_id: int) -> str:
    return f"shows-{show_id % SHOW_SHARDS:02d}"


@dataclass
class Known:
    """The catalog as the log has it: fields by id, and each shard stream's version."""

    movies: dict[int, dict] = field(default_factory=dict)
    shows: dict[int, dict] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)


async def known_catalog(store: EventStore) -> Known:
    """Fold the shard streams into the fields of every listed movie and show."""
    known = Known()
    streams = [movie_stream(i) for i in range(MOVIE_SHARDS)] + [show_stream(i) for i in range(SHOW_SHARDS)]
    for stream in streams:
        history = await store.read_stream(stream)
        known.versions[stream] = len(history)
        for recorded in history:
            fold_listing(known, recorded.event)
    return known


def fold_listing(known: Known, event: e.Event) -> None:
    match event:
        case e.MovieListed():
            known.movies[event.movie_id] = {**canonical(event), "source": event.source}
        case e.MovieMetadataCorrected() if event.movie_id in known.movies:
            known.movies[event.movie_id].update(canonical(event), **_base_source(event))
        case e.ShowListed():
            known.shows[event.show_id] = {**canonical(event), "source": event.source}
        case e.ShowMetadataCorrected() if event.show_id in known.shows:
            known.shows[event.show_id].update(canonical(event))


def canonical(value) -> dict:
    """Fields as plain JSON values (tuples become lists), so sources and the log compare equal."""
    fields = msgspec.json.decode(msgspec.json.encode(value))
    return {k: v for k, v in fields.items() if k not in _ENVELOPE} if isinstance(fields, dict) else fields


def plan_movies(desired: dict[int, dict], known: Known) -> dict[str, list[e.Event]]:
    """The events, by stream, that make ``known`` agree with ``desired`` (a movie id -> fields map)."""
    return _plan(desired, known.movies, known.versions, movie_stream, e.MovieListed, e.MovieMetadataCorrected,
                 "movie_id")


def plan_shows(desired: dict[int, dict], known: Known) -> dict[str, list[e.Event]]:
    return _plan(desired, known.shows, known.versions, show_stream, e.ShowListed, e.ShowMetadataCorrected,
                 "show_id")


def _plan(desired, listed, versions, stream_of: Callable[[int], str], listing, correction, id_field):
    planned: dict[str, list[e.Event]] = {}
    for key in sorted(desired):
        fields, source = dict(desired[key]), desired[key].get("source") or "catalog-extras"
        fields.pop("source", None)
        if key not in listed:
            if "title" in fields:
                planned.setdefault(stream_of(key), []).append((listing, {id_field: key, **fields, "source": source}))
            continue
        changed = _changes(fields, listed[key], source)
        if changed:
            planned.setdefault(stream_of(key), []).append((correction, {id_field: key, **changed, "source": source}))
    return {stream: _stamp(stream, versions.get(stream, 0), items) for stream, items in planned.items()}


def _changes(fields: dict, current: dict, source: str) -> dict:
    outranked = RANKS.get(source, 0) < RANKS.get(current.get("source") or "", 0)
    return {k: v for k, v in fields.items()
            if canonical({k: v})[k] != current.get(k) and not (outranked and k in _BASE)}


def _stamp(stream: str, version: int, items: list) -> list[e.Event]:
    now, stamped = datetime.now(timezone.utc), []
    for index, (kind, fields) in enumerate(items):
        content = msgspec.json.encode(fields, order="sorted")
        digest = hashlib.sha256(f"{stream}@{version + index}|".encode() + content).hexdigest()
        event = msgspec.convert({**fields, "event_id": str(uuid.uuid5(_IDS, digest)), "stream": stream,
                                 "occurred_at": now}, kind)
        stamped.append(event)
    return stamped


def _base_source(event: e.MovieMetadataCorrected) -> dict:
    """A correction of the base fields by a newer release makes that release the one to outrank."""
    touches_base = any(getattr(event, name) is not msgspec.UNSET for name in _BASE)
    return {"source": event.source} if touches_base else {}


async def append_planned(store: EventStore, planned: dict[str, list[e.Event]], versions: dict[str, int],
                         progress: Callable[[int], None] = lambda n: None) -> int:
    """Append each stream's events in commits of COMMIT_EVENTS; return how many were appended."""
    appended = 0
    for stream, events in sorted(planned.items()):
        version = versions.get(stream, 0)
        for start in range(0, len(events), COMMIT_EVENTS):
            chunk = events[start:start + COMMIT_EVENTS]
            await store.append(stream, version + start, chunk)
            appended += len(chunk)
            progress(len(chunk))
    return appended
