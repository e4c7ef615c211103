"""The event store in memory: the same port as commands/mongo_store.py, for tests and tools that need
no database. It passes the event-store contract (tests/contracts/test_event_store.py) with the Mongo
adapter.

ONE PROCESS, ONE EVENT LOOP. The log lives in this object and nowhere else: nothing is shared with
another process (or another instance), nothing survives the process, and it is not thread-safe. Two
processes each holding an ``InMemoryEventStore`` have two unrelated logs. Within its event loop it is
safe under any number of concurrent tasks: each append checks the expected version, the batch's ids
and the head and commits in one step with no ``await`` in between, so positions are gap-free and in
commit order, and of two appends decided on the same stream version exactly one wins.

What it keeps is what the Mongo adapter writes, not the Python objects: each append is one commit
document (``commit_document``, events encoded by ``payload``), passed through BSON once — so tuples
come back as lists, bytes as bytes, datetimes in UTC to the millisecond, and an event BSON cannot hold
fails the same way — and every read decodes it again with the adapter's own ``unpack_commit``. A
resend is recognised by the same ``resent_positions``.

Where the two servers differ it takes MongoDB's side: an event id already committed inside another
batch is refused (DuplicateEventError), as MongoDB's unique multikey index does (nx-27017 lets it in).

Every method gives the event loop one turn before it acts, as a round trip to a server would, so
tasks that run concurrently interleave here as they do against the database (handlers' retries on a
ConcurrencyError are exercised, not serialised away).
"""
from __future__ import annotations

import asyncio
import bisect
from datetime import timezone
from typing import Sequence

import bson
from bson.codec_options import CodecOptions

from commands.mongo_store import commit_document, payload, resent_positions, unpack_commit
from commands.store import Recorded, check_batch
from domain.errors import ConcurrencyError, DuplicateEventError
from domain.events import Event

# As the application's client reads documents (AsyncMongoClient(..., tz_aware=True)).
_BSON = CodecOptions(tz_aware=True, tzinfo=timezone.utc)


class InMemoryEventStore:
    def __init__(self) -> None:
        self._commits: list[dict] = []  # in position order; each as read back from BSON
        self._starts: list[int] = []  # the first position of each commit, for bisecting read_all
        self._by_first_id: dict[str, dict] = {}  # a batch is known by its first event id
        self._event_ids: set[str] = set()  # every committed event id (MongoDB's unique "ids" index)
        self._streams: dict[str, list[dict]] = {}  # the commits of each stream, in version order
        self._head = 0
        # Set (and replaced) at every append: waiters hold the one current when they checked the head,
        # so an append between their check and their wait still wakes them.
        self._appended = asyncio.Event()

    async def create_indexes(self) -> None:
        """Nothing to create; here so the two stores are set up alike."""

    async def append(self, stream: str, expected_version: int | None, events: Sequence[Event]) -> list[int]:
        ids = check_batch(stream, events)
        payloads = [payload(event) for event in events]
        await _round_trip()
        # From here to the commit: no await, so no other task sees or changes the log in between.
        version = self._stream_version(stream)
        if expected_version is not None and expected_version != version:
            if (positions := self._committed(ids, payloads)) is not None:
                return positions  # a resend, after the stream moved on
            raise ConcurrencyError(f"stream {stream!r} is at version {version}, not {expected_version}")
        if (positions := self._committed(ids, payloads)) is not None:
            return positions  # a resend
        if not self._event_ids.isdisjoint(ids):
            raise DuplicateEventError(f"an event id of {ids} is already in another batch")
        first = self._head + 1
        # Encoded before anything changes: an event BSON cannot hold fails here and leaves nothing behind.
        commit = _through_bson(commit_document(stream, version, first, ids, payloads))
        self._commits.append(commit)
        self._starts.append(first)
        self._by_first_id[ids[0]] = commit
        self._event_ids.update(ids)
        self._streams.setdefault(stream, []).append(commit)
        self._head = first + len(ids) - 1
        self._appended.set()
        self._appended = asyncio.Event()
        return list(range(first, first + len(ids)))

    def _committed(self, ids: list[str], payloads: list[dict]) -> list[int] | None:
        prior = self._by_first_id.get(ids[0])
        return None if prior is None else resent_positions(prior, ids, payloads)

    def _stream_version(self, stream: str) -> int:
        commits = self._streams.get(stream)
        return 0 if not commits else commits[-1]["version"] + len(commits[-1]["ids"])

    async def head(self) -> int:
        await _round_trip()
        return self._head

    async def positions_of(self, event_id: str) -> list[int] | None:
        await _round_trip()
        commit = self._by_first_id.get(event_id)
        return None if commit is None else list(range(commit["pos"], commit["pos"] + len(commit["ids"])))

    async def read_stream(self, stream: str, since_version: int = 0) -> list[Recorded]:
        await _round_trip()
        return [recorded for commit in self._streams.get(stream, ()) if commit["version"] >= since_version
                for recorded in unpack_commit(commit)]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        await _round_trip()
        after = max(after, 0)
        result: list[Recorded] = []
        if limit < 1 or after >= self._head:
            return result
        # The commit holding position after + 1 (a page may start or end inside a commit).
        index = bisect.bisect_right(self._starts, after + 1) - 1
        for commit in self._commits[index:]:
            for recorded in unpack_commit(commit):
                if recorded.position <= after:
                    continue
                result.append(recorded)
                if len(result) == limit:
                    return result
        return result

    async def wait_for(self, after: int, timeout: float) -> bool:
        await _round_trip()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._head <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            appended = self._appended  # taken with the head it was checked against: no wake-up is lost
            try:
                await asyncio.wait_for(appended.wait(), remaining)
            except TimeoutError:
                pass
        return True


def _through_bson(document: dict) -> dict:
    """The document as the database would hand it back."""
    return bson.decode(bson.encode(document), codec_options=_BSON)


async def _round_trip() -> None:
    await asyncio.sleep(0)
