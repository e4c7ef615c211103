"""The event store on MongoDB (and on nx-27017, the embedded wire-compatible server).

One append is ONE document in ``events`` (a "commit"): ``{_id: first event id, pos, stream, version,
ids, events}``. No multi-document transaction is needed — nx-27017 breaks under concurrent ones —
and three unique indexes carry the guarantees on both servers:

* ``pos`` (the global position of the commit's first event): a writer claims ``head + 1`` by
  inserting; a writer can only see ``head`` after it committed, so positions are gap-free and in
  commit order. Losing the race raises DuplicateKeyError and the writer re-reads the head.
* ``(stream, version)`` (the stream's version before this commit): two appends decided on the
  same stream version cannot both commit — optimistic concurrency, and a batch is atomic
  because it is one document.
* ``_id`` (the first event id): a resent batch collides and gets its original positions back.

Readers accept only a contiguous run of positions: a gap means an insert is not visible yet
(a MongoDB index scan is not a snapshot), so they stop there and read it next time.
"""
from __future__ import annotations

import asyncio
import re
import random
from datetime import datetime, timezone
from typing import Sequence

import msgspec
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from commands.store import Recorded, check_batch
from domain.errors import ConcurrencyError, DuplicateEventError, MalformedEvent
from domain.events import Event, from_document, to_document

# Events keep these two fields in the commit document, not in each event.
_ENVELOPE = ("event_id", "stream")
_POLL_SECONDS = 0.05


class MongoEventStore:
    def __init__(self, database: AsyncDatabase, collection: str = "events") -> None:
        self._commits = database[collection]
        # One insert at a time per store: writers in this process queue here instead of racing
        # for the same position; across processes the unique index arbitrates.
        self._append_lock = asyncio.Lock()
        self._appended = asyncio.Event()
        self._head: int | None = None  # the last position this store wrote; a hint, never trusted

    async def create_indexes(self) -> None:
        await self._commits.create_index([("pos", ASCENDING)], unique=True, name="global_position")
        await self._commits.create_index(
            [("stream", ASCENDING), ("version", ASCENDING)], unique=True, name="stream_version"
        )
        # Redundant on MongoDB (the index above serves a stream's reads), needed on nx-27017: it
        # looks up by single-field indexes only, so without this one reading a member's stream
        # scans the whole log (60 ms at 30k commits, growing with the log) on every command.
        await self._commits.create_index([("stream", ASCENDING)], name="stream")
        # MongoDB enforces this one: an event id reused inside another batch is refused. nx-27017
        # neither enforces unique multikey indexes nor uses this one for lookups (an $in on it is
        # a full scan there), so batches are found by their first event id, the commit's _id.
        await self._commits.create_index([("ids", ASCENDING)], unique=True, name="event_ids")

    async def append(self, stream: str, expected_version: int | None, events: Sequence[Event]) -> list[int]:
        ids = check_batch(stream, events)
        payloads = [payload(event) for event in events]
        for attempt in range(10_000):
            # The stream's version is read outside the lock: only the global position needs writers
            # in turn. An append to the same stream meanwhile makes the insert collide on
            # (stream, version), and the next round reads the version again.
            version = await self._stream_version(stream)
            if expected_version is not None and expected_version != version:
                if (positions := await self._committed(ids, payloads)) is not None:
                    return positions  # a resend, after the stream moved on
                raise ConcurrencyError(f"stream {stream!r} is at version {version}, not {expected_version}")
            async with self._append_lock:
                first = (self._head if self._head is not None else await self.head()) + 1
                try:
                    await self._commits.insert_one(commit_document(stream, version, first, ids, payloads))
                except DuplicateKeyError as error:
                    self._head, collided = None, error
                else:
                    self._head = first + len(ids) - 1
                    self._appended.set()
                    return list(range(first, first + len(ids)))
            if "ids" in (collided.details or {}).get("keyPattern", {}):
                raise DuplicateEventError(f"an event id of {ids} is already in another batch") from None
            if (positions := await self._committed(ids, payloads)) is not None:
                return positions  # a resend
            await _back_off(attempt)  # lost a race for the position or the stream version
        raise ConcurrencyError(f"could not append to {stream!r}: the log is too contended")

    async def _committed(self, ids: list[str], payloads: list[dict]) -> list[int] | None:
        prior = await self._commits.find_one({"_id": ids[0]})
        return None if prior is None else resent_positions(prior, ids, payloads)

    async def _stream_version(self, stream: str) -> int:
        last = await self._commits.find_one(
            {"stream": stream}, projection={"version": 1, "ids": 1}, sort=[("version", DESCENDING)]
        )
        return 0 if last is None else last["version"] + len(last["ids"])

    async def head(self) -> int:
        last = await self._commits.find_one({}, projection={"pos": 1, "ids": 1}, sort=[("pos", DESCENDING)])
        return 0 if last is None else last["pos"] + len(last["ids"]) - 1

    async def positions_of(self, event_id: str) -> list[int] | None:
        commit = await self._commits.find_one({"_id": event_id}, projection={"pos": 1, "ids": 1})
        return None if commit is None else list(range(commit["pos"], commit["pos"] + len(commit["ids"])))

    async def read_stream(self, stream: str, since_version: int = 0) -> list[Recorded]:
        query = {"stream": stream, **({"version": {"$gte": since_version}} if since_version else {})}
        commits = await self._commits.find(query).sort("version", ASCENDING).to_list()
        return [recorded for commit in commits for recorded in unpack_commit(commit)]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        # A range on pos rather than sort+limit: nx-27017 serves it ~30 % faster, and on both
        # servers the gap check below is what keeps the order honest.
        # One reply for the whole page (batch_size): no getMore round trips while the caller folds.
        commits = await self._commits.find({"pos": {"$gt": after, "$lte": after + limit}}).batch_size(limit).to_list()
        if after > 0:
            straddling = await self._commits.find_one({"pos": {"$lte": after}}, sort=[("pos", DESCENDING)])
            if straddling is not None and straddling["pos"] + len(straddling.get("ids", ())) - 1 > after:
                commits.append(straddling)
        commits.sort(key=lambda commit: commit["pos"])
        result: list[Recorded] = []
        expected = after + 1
        for commit in commits:
            for recorded in unpack_commit(commit):
                if recorded.position < expected:
                    continue
                if recorded.position > expected:
                    return result  # a gap: the missing commit is not visible yet
                result.append(recorded)
                expected += 1
                if len(result) == limit:
                    return result
        return result

    async def rewrite_commit(self, events: Sequence[Event], from_stream: str) -> None:
        """For one-off migrations only (the log is otherwise never changed): replace the events of the
        commit whose first event is ``events[0]`` — same ids, same positions — moving it from
        ``from_stream`` to the events' stream. Run with no writer appending to either stream."""
        ids = check_batch(events[0].stream, events)
        # The ids are compared here, not in the filter: nx-27017 cannot match a whole array.
        found = await self._commits.find_one({"_id": ids[0], "stream": from_stream}, projection={"ids": 1})
        if found is None or list(found["ids"]) != ids:
            raise ConcurrencyError(f"commit {ids[0]!r} is not in stream {from_stream!r} with these ids")
        await self._commits.update_one({"_id": ids[0], "stream": from_stream},
                                       {"$set": {"stream": events[0].stream,
                                                 "events": [payload(event) for event in events]}})

    async def read_commits(self, stream: str) -> list[list[Recorded]]:
        """The stream's events grouped by the commit they were appended in (migrations)."""
        commits = await self._commits.find({"stream": stream}).sort("version", ASCENDING).to_list()
        return [unpack_commit(commit) for commit in commits]

    async def streams_with(self, event_type: str, prefix: str) -> list[str]:
        """The streams starting with ``prefix`` that hold an event tagged ``event_type`` (migrations)."""
        # A filter into the array, not a projection of "events.type" (nx-27017 drops such a projection;
        # tests/contracts/test_backend_differences.py). No index covers events.type: a one-off scan.
        found = self._commits.find({"stream": {"$regex": f"^{re.escape(prefix)}"}, "events.type": event_type},
                                   projection={"stream": 1})
        return sorted({commit["stream"] async for commit in found})

    async def wait_for(self, after: int, timeout: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.head() <= after:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            self._appended.clear()
            try:  # woken at once by appends in this process, by polling for other processes
                await asyncio.wait_for(self._appended.wait(), min(_POLL_SECONDS, remaining))
            except TimeoutError:
                pass
        return True


def resent_positions(prior: dict, ids: list[str], payloads: list[dict]) -> list[int]:
    """A batch whose first event id was committed before (``prior``): the very same batch sent
    again gets its original positions; anything else under that id is DuplicateEventError."""
    if prior["ids"] != ids or ([comparable_payload(p) for p in prior["events"]]
                               != [comparable_payload(p) for p in payloads]):
        raise DuplicateEventError(f"event ids {ids} were committed before with another payload")
    return list(range(prior["pos"], prior["pos"] + len(ids)))


def commit_document(stream: str, version: int, first: int, ids: list[str], payloads: list[dict]) -> dict:
    """The one document an append writes (also used by the benchmark to lay down large logs fast)."""
    return {"_id": ids[0], "pos": first, "stream": stream, "version": version, "ids": ids, "events": payloads,
            "committed_at": datetime.now(timezone.utc)}


def payload(event: Event) -> dict:
    """An event as stored inside a commit: without the envelope fields the commit already holds."""
    document = to_document(event)
    for key in _ENVELOPE:
        del document[key]
    return document


def comparable_payload(payload: dict) -> bytes:
    """What a resend is compared on (shared with commands/memory_store.py)."""
    # A resend may be re-stamped, and BSON keeps milliseconds only: compare the facts, not the clock.
    # Through JSON, so a tuple sent and the list read back compare equal.
    return msgspec.json.encode({key: value for key, value in payload.items() if key != "occurred_at"})


def unpack_commit(commit: dict) -> list[Recorded]:
    """A stored commit's events, decoded; MalformedEvent when it cannot be (shared with memory_store.py)."""
    try:
        pairs = list(zip(commit["ids"], commit["events"], strict=True))
        first, version, stream = int(commit["pos"]), int(commit["version"]), commit["stream"]
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedEvent(f"malformed commit {commit.get('_id')!r}: {error!r}") from None
    recorded = []
    for offset, (event_id, payload) in enumerate(pairs):
        try:
            event = from_document({**payload, "event_id": event_id, "stream": stream})
        except (MalformedEvent, TypeError) as error:
            raise MalformedEvent(f"event at position {first + offset}: {error}") from None
        recorded.append(Recorded(first + offset, version + offset + 1, event))
    return recorded


async def _back_off(attempt: int) -> None:
    if attempt >= 3:  # only real cross-process contention gets here; spread the retries out
        await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * attempt)))
