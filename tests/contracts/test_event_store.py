"""The event-store contract: every store, and every backend the Mongo adapter supports, must pass all of it.

Each test runs on the Mongo adapter ("mongo": nx-27017 by default, real MongoDB with MONGODB_URL set)
and on the in-memory store ("memory", no database at all). The few tests that are about the database
itself are skipped for the memory store, each saying why (see ``mongo_only``).
"""
from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from datetime import datetime, timezone

import pytest

from commands.memory_store import InMemoryEventStore
from commands.mongo_store import MongoEventStore
from domain.errors import ConcurrencyError, DuplicateEventError, InvalidInput, MalformedEvent
from domain.events import MarkedNotSeen, MovieRated


def rated(stream: str, movie_id: int = 1, rating: float = 4.0, event_id: str | None = None) -> MovieRated:
    return MovieRated(event_id=event_id or uuid.uuid4().hex, stream=stream,
                      occurred_at=datetime.now(timezone.utc), user_id=stream, movie_id=movie_id, rating=rating)


@pytest.fixture(params=["mongo", "memory"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def mongo_database(kind, request):
    """The test database for "mongo", None for "memory" (whose run never starts a database server).
    A plain fixture: pytest-asyncio sets an async fixture up on demand only from outside the event loop."""
    return request.getfixturevalue("database") if kind == "mongo" else None


@pytest.fixture
async def store(kind, mongo_database) -> MongoEventStore | InMemoryEventStore:
    if kind == "memory":
        return InMemoryEventStore()
    store = MongoEventStore(mongo_database)
    await store.create_indexes()
    return store


def mongo_only(why: str):
    """Run a test on the Mongo adapter only; the memory store's run is skipped before any fixture is set up."""
    return pytest.mark.parametrize(
        "kind", ["mongo", pytest.param("memory", marks=pytest.mark.skip(reason=f"memory store: {why}"))])


async def test_appends_get_gap_free_positions_and_stream_versions(store):
    # given two streams
    # when three appends land, one of them a batch of two
    assert await store.append("user-a", 0, [rated("user-a")]) == [1]
    assert await store.append("user-b", 0, [rated("user-b", 1), rated("user-b", 2)]) == [2, 3]
    assert await store.append("user-a", 1, [rated("user-a", 3)]) == [4]
    # then positions are 1..4 and each stream counts its own versions
    assert [r.position for r in await store.read_all()] == [1, 2, 3, 4]
    assert [(r.position, r.version) for r in await store.read_stream("user-b")] == [(2, 1), (3, 2)]
    assert await store.head() == 4


async def test_events_round_trip_unchanged(store):
    event = rated("user-a", 42, 3.5)
    await store.append("user-a", 0, [event])
    [recorded] = await store.read_stream("user-a")
    assert recorded.event.movie_id == 42 and recorded.event.rating == 3.5
    assert recorded.event.event_id == event.event_id and recorded.event.stream == "user-a"
    assert abs((recorded.event.occurred_at - event.occurred_at).total_seconds()) < 0.001


async def test_read_all_pages_without_splitting_or_skipping(store):
    for i in range(10):
        await store.append(f"s{i}", 0, [rated(f"s{i}", 1), rated(f"s{i}", 2), rated(f"s{i}", 3)])
    seen, after = [], 0
    while page := await store.read_all(after=after, limit=4):
        seen += [r.position for r in page]
        after = page[-1].position
    assert seen == list(range(1, 31))
    # reading from the middle of a batch starts exactly after the position asked for
    assert [r.position for r in await store.read_all(after=5, limit=2)] == [6, 7]


async def test_same_expected_version_released_together_exactly_one_wins(store, kind, mongo_database):
    # given 100 writers, each with its own store so nothing in-process serialises them
    # (in memory a log is one object: 100 tasks on that one store)
    if kind == "memory":
        writers = [store] * 100
    else:
        writers = [MongoEventStore(mongo_database) for _ in range(100)]
    # when all append to one stream expecting version 0 at once
    results = await asyncio.gather(*(w.append("user-x", 0, [rated("user-x", i)]) for i, w in enumerate(writers)),
                                   return_exceptions=True)
    # then exactly one succeeds and 99 get a concurrency error
    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, ConcurrencyError) for r in results) == 99
    assert [r.position for r in await store.read_all()] == [1]
    assert len(await store.read_stream("user-x")) == 1


async def test_resent_batches_return_original_positions(store):
    # given 1,000 committed batches
    batches = [[rated(f"user-{i % 50}", i), rated(f"user-{i % 50}", i + 1)] for i in range(1000)]
    versions: dict[str, int] = {}
    originals = []
    for batch in batches:
        stream = batch[0].stream
        originals.append(await store.append(stream, versions.get(stream, 0), batch))
        versions[stream] = versions.get(stream, 0) + 2
    # when every one is sent again (with its original expected version, or none)
    resent = [await store.append(b[0].stream, None if i % 2 else 0, b) for i, b in enumerate(batches)]
    # then the original positions come back and nothing was added
    assert resent == originals
    assert await store.head() == 2000
    assert len(await store.read_all(limit=5000)) == 2000


async def test_same_event_id_with_another_payload_is_an_error(store):
    event = rated("user-a", 1, 4.0)
    await store.append("user-a", 0, [event])
    forged = rated("user-a", 1, 1.0, event_id=event.event_id)
    with pytest.raises(DuplicateEventError):
        await store.append("user-a", 1, [forged])
    assert await store.head() == 1


async def test_failed_multi_event_append_leaves_nothing_behind(store):
    await store.append("user-a", 0, [rated("user-a")])
    # a stale expected version
    with pytest.raises(ConcurrencyError):
        await store.append("user-a", 0, [rated("user-a", 2), rated("user-a", 3), rated("user-a", 4)])
    # an invalid event in third place
    with pytest.raises(InvalidInput):
        await store.append("user-a", 1, [rated("user-a", 5), rated("user-a", 6), rated("user-b", 7)])
    # an empty batch, and a batch holding one id twice
    with pytest.raises(InvalidInput):
        await store.append("user-a", 1, [])
    twin = rated("user-a", 8)
    with pytest.raises(InvalidInput):
        await store.append("user-a", 1, [twin, twin])
    assert [r.position for r in await store.read_all()] == [1]
    assert len(await store.read_stream("user-a")) == 1


async def test_expected_version_ahead_of_the_stream_is_rejected(store):
    await store.append("user-a", 0, [rated("user-a"), rated("user-a")])
    with pytest.raises(ConcurrencyError):
        await store.append("user-a", 1, [rated("user-a")])  # inside the batch
    with pytest.raises(ConcurrencyError):
        await store.append("user-a", 5, [rated("user-a")])  # beyond it
    assert await store.head() == 2


@mongo_only("writes malformed documents straight into the events collection; the memory store has no way in "
            "but append, which validates, and it decodes with the same unpack_commit as the Mongo adapter")
async def test_unknown_or_malformed_stored_events_give_a_clear_error(store, database):
    await store.append("user-a", 0, [rated("user-a")])
    await database.events.insert_one({"_id": "bad", "pos": 2, "stream": "s", "version": 0, "ids": ["bad"],
                                      "events": [{"type": "no-such-event/9", "occurred_at": datetime.now()}]})
    with pytest.raises(MalformedEvent, match="position 2.*no-such-event/9"):
        await store.read_all()
    await database.events.insert_one({"_id": "worse", "pos": 3, "stream": "t", "version": 0})
    with pytest.raises(MalformedEvent, match="malformed commit"):
        await store.read_all(after=2)


async def test_wait_for_wakes_on_a_new_event(store):
    assert await store.wait_for(0, timeout=0.1) is False
    waiter = asyncio.create_task(store.wait_for(0, timeout=5))
    await asyncio.sleep(0.05)
    await store.append("user-a", 0, [rated("user-a")])
    assert await waiter is True


async def test_positions_of_finds_a_committed_batch(store):
    batch = [rated("user-a", 1), rated("user-a", 2)]
    await store.append("user-a", 0, [rated("user-a", 9)])
    await store.append("user-a", 1, batch)
    assert await store.positions_of(batch[0].event_id) == [2, 3]
    assert await store.positions_of("never-seen") is None


async def test_an_event_id_reused_inside_another_batch(store, kind, request):
    """A known difference: MongoDB enforces the unique multikey index on event ids, nx-27017 does not.
    Batches are identified by their first event id on both; this pins down what else each refuses.
    The memory store refuses it, as MongoDB does."""
    backend = "memory" if kind == "memory" else request.getfixturevalue("backend")
    first, second = rated("user-a", 1), rated("user-a", 2)
    await store.append("user-a", 0, [first, second])
    reuse = [rated("user-b", 3), rated("user-b", 2, event_id=second.event_id)]
    if backend in ("mongodb", "memory"):
        with pytest.raises(DuplicateEventError):
            await store.append("user-b", 0, reuse)
        assert await store.head() == 2
    else:
        assert await store.append("user-b", 0, reuse) == [3, 4]


# --- many writers in two processes, one reader tailing -----------------------------------------

WRITERS_PER_PROCESS, APPENDS_PER_WRITER, PROCESSES = 16, 200, 2


def _write_in_process(url: str, database: str, process: int) -> None:
    from pymongo import AsyncMongoClient

    async def main() -> None:
        client = AsyncMongoClient(url, tz_aware=True)
        store = MongoEventStore(client[database])

        async def writer(index: int) -> None:
            stream = f"writer-{process}-{index}"
            for version in range(APPENDS_PER_WRITER):
                await store.append(stream, version, [rated(stream, version)])

        await asyncio.gather(*(writer(i) for i in range(WRITERS_PER_PROCESS)))
        await client.close()

    asyncio.run(main())


@pytest.mark.slow
@mongo_only("it is single-process by design: a log in one process's memory is not shared with another")
async def test_concurrent_writers_across_processes_get_exactly_1_to_n_and_a_tailer_never_skips(
    store, database, mongo_url
):
    total = WRITERS_PER_PROCESS * APPENDS_PER_WRITER * PROCESSES
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_in_process, args=(mongo_url, database.name, p))
                 for p in range(PROCESSES)]
    for process in processes:
        process.start()

    seen: list[int] = []
    after = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 600
    while after < total and loop.time() < deadline:
        page = await store.read_all(after=after, limit=500)
        if page:
            # the tailer's own check: every page continues exactly where the last one stopped
            assert page[0].position == after + 1
            assert [r.position for r in page] == list(range(after + 1, after + 1 + len(page)))
            seen += [r.position for r in page]
            after = page[-1].position
        else:
            await store.wait_for(after, timeout=0.5)
    for process in processes:
        await loop.run_in_executor(None, process.join)
        assert process.exitcode == 0

    assert seen == list(range(1, total + 1))
    everything = []
    while page := await store.read_all(after=len(everything), limit=2000):
        everything += page
    assert [r.position for r in everything] == list(range(1, total + 1))
    streams = {}
    for r in everything:
        streams.setdefault(r.event.stream, []).append(r.version)
    assert len(streams) == WRITERS_PER_PROCESS * PROCESSES
    assert all(versions == list(range(1, APPENDS_PER_WRITER + 1)) for versions in streams.values())


async def test_a_resent_batch_with_tuple_and_bytes_fields_is_recognised(store):
    # tuples come back from the database as lists, bytes as BSON binary: a resend must still match
    from domain.events import HistoricalRatingsImported, PicksEmailed
    now = datetime.now(timezone.utc)
    picks = PicksEmailed(event_id=uuid.uuid4().hex, stream="user-a", occurred_at=now, user_id="a",
                         occasion="welcome", movie_ids=(1, 2, 3))
    batch = HistoricalRatingsImported(event_id=uuid.uuid4().hex, stream="history-x", occurred_at=now, source="x",
                                      batch=0, users=b"\x01\x00\x00\x00", movies=b"\x02\x00\x00\x00",
                                      half_stars=b"\x07", timestamps=b"\x00\x00\x00\x00")
    assert await store.append("user-a", 0, [picks]) == [1]
    assert await store.append("history-x", 0, [batch]) == [2]
    assert await store.append("user-a", 0, [picks]) == [1]
    assert await store.append("history-x", None, [batch]) == [2]
    events = [r.event for r in await store.read_all()]
    assert events[0].movie_ids == (1, 2, 3) and events[1].half_stars == b"\x07"


# --- what both stores promise to concurrent callers in one process ---------------------------------

async def test_many_tasks_appending_to_one_store_get_gap_free_positions_and_versions(store):
    # given 20 tasks on one store, each appending 10 times to its own stream (one commit of 2 every third)
    async def writer(index: int) -> None:
        stream, version = f"task-{index}", 0
        for n in range(10):
            batch = [rated(stream, n)] if n % 3 else [rated(stream, n), rated(stream, n + 100)]
            await store.append(stream, version, batch)
            version += len(batch)

    await asyncio.gather(*(writer(i) for i in range(20)))
    # then positions are 1..n with no gap, and every stream counts 1..its length
    everything = await store.read_all(limit=10_000)
    assert [r.position for r in everything] == list(range(1, 20 * 14 + 1)) and await store.head() == 20 * 14
    for index in range(20):
        assert [r.version for r in await store.read_stream(f"task-{index}")] == list(range(1, 15))


async def test_wait_for_wakes_every_waiter_and_answers_at_once_when_the_log_is_past(store):
    waiters = [asyncio.create_task(store.wait_for(0, timeout=5)) for _ in range(5)]
    late = asyncio.create_task(store.wait_for(1, timeout=0.2))
    await asyncio.sleep(0.02)
    await store.append("user-a", 0, [rated("user-a")])
    assert await asyncio.gather(*waiters) == [True] * 5
    assert await late is False  # nothing after position 1
    assert await store.wait_for(0, timeout=0) is True


async def test_read_all_past_the_head_or_in_the_middle_of_a_commit(store):
    await store.append("user-a", 0, [rated("user-a", 1), rated("user-a", 2), rated("user-a", 3)])
    await store.append("user-b", 0, [rated("user-b", 4)])
    assert await store.read_all(after=4) == [] and await store.read_all(after=99) == []
    assert [(r.position, r.version, r.event.movie_id) for r in await store.read_all(after=1, limit=10)] == [
        (2, 2, 2), (3, 3, 3), (4, 1, 4)]
    assert [r.position for r in await store.read_all(after=2, limit=1)] == [3]


async def test_a_known_first_event_id_with_other_ids_after_it_is_an_error(store):
    first, second = rated("user-a", 1), rated("user-a", 2)
    await store.append("user-a", 0, [first, second])
    with pytest.raises(DuplicateEventError):
        await store.append("user-a", None, [first, rated("user-a", 3)])
    with pytest.raises(DuplicateEventError):
        await store.append("user-a", 0, [first])  # a stale version, and not the batch it was in either
    assert await store.positions_of(first.event_id) == [1, 2] and await store.head() == 2


async def test_an_event_the_log_cannot_hold_is_refused_and_leaves_nothing_behind(store):
    # BSON holds 64-bit integers at most: the store refuses before anything is written
    await store.append("user-a", 0, [rated("user-a")])
    with pytest.raises(OverflowError):
        await store.append("user-a", 1, [rated("user-a", 2), rated("user-a", 2**64)])
    assert await store.head() == 1 and len(await store.read_stream("user-a")) == 1
    assert await store.append("user-a", 1, [rated("user-a", 3)]) == [2]


async def test_a_stream_read_from_where_an_earlier_read_ended_gives_only_what_is_new(store):
    await store.append("user-a", 0, [rated("user-a", 1), rated("user-a", 2)])
    first = await store.read_stream("user-a")
    assert await store.read_stream("user-a", since_version=first[-1].version) == []
    await store.append("user-a", 2, [rated("user-a", 3)])
    await store.append("user-b", 0, [rated("user-b", 4)])
    new = await store.read_stream("user-a", since_version=first[-1].version)
    assert [(r.version, r.event.movie_id) for r in new] == [(3, 3)]
    assert [r.version for r in await store.read_stream("user-a", since_version=0)] == [1, 2, 3]
