"""Projections take effect exactly once, survive being killed mid-way, and rebuild identically."""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import multiprocessing
import os
import random
import signal
import uuid
from datetime import datetime, timezone

import pytest

from commands.mongo_store import MongoEventStore
from domain import events as e
from projections.registry import Registry
from projections.replay import replay
from projections.runner import catch_up
from projections.user_profiles import UserProfiles


class EveryEventOnce:
    """A deliberately non-idempotent fold: it appends each position it sees, so a double
    application shows up as a repeated position."""

    name = "every_event_once"

    def keys(self, event):
        return (event.stream,)

    def apply(self, document, event, key):
        document = document or {"positions": [], "count": 0}
        document["positions"].append(event.event_id)
        document["count"] += 1
        return document

    async def create_indexes(self, collection):
        pass


def _meta(stream: str) -> dict:
    return {"event_id": uuid.uuid4().hex, "stream": stream, "occurred_at": datetime.now(timezone.utc)}


async def seed(store: MongoEventStore, users: int = 30, events_per_user: int = 40, seed: int = 7) -> None:
    rng = random.Random(seed)
    for u in range(users):
        stream = f"user-u{u}"
        personal = e.Sealed(nonce=f"{u:012d}".encode(), data=f"u{u}@example.org/U{u}/x".encode())  # stored as is
        batch = [e.UserSignedUp(**_meta(stream), user_id=f"u{u}", personal=personal)]
        for _ in range(events_per_user):
            movie = rng.randrange(50)
            kind = rng.choice([e.MovieRated, e.MovieRatingRemoved, e.MarkedNotSeen, e.NotSeenUnmarked,
                               e.MarkedNotInterested, e.NotInterestedUnmarked])
            extra = {"rating": rng.randrange(1, 11) / 2} if kind is e.MovieRated else {}
            if kind is e.MovieRatingRemoved:
                extra = {"previous": 3.0}
            batch.append(kind(**_meta(stream), user_id=f"u{u}", movie_id=movie, **extra))
        for i in range(0, len(batch), 7):  # commits of several events
            await store.append(stream, i, batch[i:i + 7])


async def digest(registry: Registry, name: str) -> str:
    collection = registry.database[(await registry.active(name)).collection]
    documents = await collection.find({}, projection={"_id": 1, "_pos": 1, "positions": 1, "count": 1,
                                                      "ratings": 1, "not_seen": 1, "not_interested": 1,
                                                      "counts": 1, "sealed": 1}).to_list()
    documents.sort(key=lambda d: str(d["_id"]))
    return hashlib.sha256(json.dumps(documents, sort_keys=True, default=str).encode()).hexdigest()


@pytest.fixture
async def store(database):
    store = MongoEventStore(database)
    await store.create_indexes()
    return store


async def test_cancelled_again_and_again_then_finished_equals_a_rebuild_from_zero(store, database):
    # given a log of 1,230 events and a runner with small pages
    await seed(store)
    registry = Registry(database)
    projections = [UserProfiles(), EveryEventOnce()]
    # when the runner (both read models in one pass) is cancelled five times part-way
    head = await store.head()
    for stop_at in sorted(random.Random(1).sample(range(40, head - 40), 5)):
        task = None

        def cancel_past(done: int, total: int, stop_at=stop_at) -> None:
            if done >= stop_at:
                task.cancel()

        task = asyncio.create_task(catch_up(store, registry, projections, page_size=37, flush_every=37,
                                            progress=cancel_past))
        with pytest.raises(asyncio.CancelledError):
            await task
        assert max([(await registry.active(p.name)).checkpoint for p in projections]) < head
    await catch_up(store, registry, projections, page_size=37, flush_every=37)
    interrupted = {p.name: await digest(registry, p.name) for p in projections}
    # then every event took effect exactly once …
    collection = database[(await registry.active(EveryEventOnce.name)).collection]
    for document in await collection.find().to_list():
        stream_ids = [r.event.event_id for r in await store.read_stream(document["_id"])]
        assert document["positions"] == stream_ids
    # … and both read models are hash-equal to a rebuild from zero
    await replay(store, registry, projections)
    for projection in projections:
        assert await digest(registry, projection.name) == interrupted[projection.name]


def _catch_up_in_process(url: str, database: str) -> None:
    from pymongo import AsyncMongoClient

    async def main() -> None:
        client = AsyncMongoClient(url, tz_aware=True)
        store = MongoEventStore(client[database])
        await catch_up(store, Registry(client[database]), [EveryEventOnce()], page_size=5, flush_every=5)

    asyncio.run(main())


async def test_a_runner_process_killed_mid_way_leaves_nothing_applied_twice(store, database, mongo_url):
    await seed(store, users=20, events_per_user=60)
    registry = Registry(database)
    process = multiprocessing.get_context("spawn").Process(target=_catch_up_in_process,
                                                             args=(mongo_url, database.name))
    process.start()
    # kill it once it has written something but long before the end
    for _ in range(600):
        await asyncio.sleep(0.05)
        if (await registry.active(EveryEventOnce.name)).checkpoint > 50:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    assert (await registry.active(EveryEventOnce.name)).checkpoint < await store.head()
    await catch_up(store, registry, [EveryEventOnce()])
    interrupted = await digest(registry, EveryEventOnce.name)
    await replay(store, registry, [EveryEventOnce()])
    assert await digest(registry, EveryEventOnce.name) == interrupted


async def test_two_runners_racing_apply_each_event_once(store, database):
    await seed(store, users=10, events_per_user=50)
    registry = Registry(database)
    await asyncio.gather(*(catch_up(store, registry, [EveryEventOnce()], page_size=11, flush_every=11)
                           for _ in range(3)))
    collection = database[(await registry.active(EveryEventOnce.name)).collection]
    for document in await collection.find().to_list():
        assert document["positions"] == [r.event.event_id for r in await store.read_stream(document["_id"])]


async def test_replay_switches_only_when_caught_up_and_the_old_generation_serves_meanwhile(store, database):
    await seed(store, users=5, events_per_user=10)
    registry = Registry(database)
    live = (await catch_up(store, registry, [UserProfiles()]))[UserProfiles.name]
    before = await digest(registry, UserProfiles.name)
    seen_during = []

    def watch(done: int, total: int) -> None:
        seen_during.append(done)

    rebuilt = (await replay(store, registry, [UserProfiles()], progress=watch))[UserProfiles.name]
    assert rebuilt.collection != live.collection
    assert (await registry.active(UserProfiles.name)).collection == rebuilt.collection
    assert await digest(registry, UserProfiles.name) == before
    assert live.collection not in await database.list_collection_names()
    assert seen_during and seen_during[-1] == await store.head()


async def test_a_runner_on_a_switched_generation_stops_writing_checkpoints(store, database):
    await seed(store, users=3, events_per_user=5)
    registry = Registry(database)
    old = await registry.active(UserProfiles.name)
    await replay(store, registry, [UserProfiles()])
    assert await registry.save_checkpoint(old, 10_000) is False
    assert (await registry.active(UserProfiles.name)).checkpoint == await store.head()


async def test_a_runner_makes_each_collections_indexes_once_not_on_every_run(store, database):
    # given a projection that counts how often its indexes are asked for
    class Counted(EveryEventOnce):
        made: list[str] = []

        async def create_indexes(self, collection):
            self.made.append(collection.name)
    projection, registry = Counted(), Registry(database)
    # when the runner follows the log for several runs, then a replay builds a new generation
    for i in range(3):
        await store.append(f"s{i}", 0, [e.MarkedNotSeen(**_meta(f"s{i}"), user_id="u", movie_id=i)])
        await catch_up(store, registry, [projection])
    await replay(store, registry, [projection])
    await catch_up(store, registry, [projection])
    # then each collection got its indexes exactly once
    assert projection.made == ["every_event_once__1", "every_event_once__2"]


async def test_a_switch_never_moves_a_read_model_back_behind_what_the_live_runner_reached(database):
    # (found by tests/integration/test_chaos_log.py: between a replay's last catch-up and its switch,
    # the live runner carried the old generation a few events further, and the switch moved it back)
    registry = Registry(database)
    old = await registry.active("user_profiles")
    built = dataclasses.replace(await registry.next_generation("user_profiles"), checkpoint=8)
    assert await registry.save_checkpoint(old, 10)  # the live runner got to 10 meanwhile
    assert await registry.switch(built) is None  # refused: the old generation still serves, at 10
    assert await registry.active("user_profiles") == dataclasses.replace(old, checkpoint=10)
    caught_up = dataclasses.replace(built, checkpoint=10)
    assert await registry.switch(caught_up) == old.collection
    assert await registry.active("user_profiles") == caught_up
