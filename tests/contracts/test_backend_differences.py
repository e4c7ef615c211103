"""Where nx-27017 (0.8.1) is not MongoDB. Each test pins what the embedded server does, so a version
bump that changes it fails here first; our code is written to be correct on both sides.

On MongoDB (MONGODB_URL set) the same tests assert MongoDB's behaviour.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from mybigmovie.embedded import EmbeddedMongo


async def test_equality_on_an_indexed_array_field(database, backend):
    # Workaround in our queries: match array fields with $in, which works on both.
    collection = database.probe
    await collection.insert_one({"genres": ["Drama", "Crime"]})
    await collection.create_index([("genres", ASCENDING)])
    found = await collection.find({"genres": "Drama"}).to_list()
    assert len(found) == (1 if backend == "mongodb" else 0)
    assert len(await collection.find({"genres": {"$in": ["Drama"]}}).to_list()) == 1


async def test_sorting_on_integer_ids(database, backend):
    # Workaround: positions live in their own indexed field (pos), never in _id.
    collection = database.probe
    await collection.insert_many([{"_id": i, "pos": i} for i in range(1, 11)])
    by_id = [d["_id"] for d in await collection.find().sort("_id", -1).limit(3).to_list()]
    by_pos = [d["pos"] for d in await collection.find().sort("pos", -1).limit(3).to_list()]
    assert by_pos == [10, 9, 8]
    assert by_id == ([10, 9, 8] if backend == "mongodb" else [9, 8, 7])


async def test_not_operator(database, backend):
    # Workaround: {"$or": [{"f": {"$exists": False}}, {"f": {"$lt": x}}]}.
    collection = database.probe
    await collection.insert_many([{"f": 1}, {"f": 5}, {}])
    if backend == "mongodb":
        assert await collection.count_documents({"f": {"$not": {"$gte": 3}}}) == 2
    else:
        with pytest.raises(PyMongoError, match=r"\$not"):
            await collection.count_documents({"f": {"$not": {"$gte": 3}}})
    assert await collection.count_documents({"$or": [{"f": {"$exists": False}}, {"f": {"$lt": 3}}]}) == 2


async def test_set_on_insert_in_find_one_and_update(database, backend):
    # Workaround (projections/registry.py): insert, and treat DuplicateKeyError as "already there".
    collection = database.probe
    document = await collection.find_one_and_update(
        {"_id": "x"}, {"$setOnInsert": {"created": True}, "$inc": {"n": 1}}, upsert=True, return_document=True)
    assert document.get("created") is (True if backend == "mongodb" else None)


async def test_unique_multikey_index(database, backend):
    # Workaround (commands/mongo_store.py): a batch is identified by its first event id (_id).
    collection = database.probe
    await collection.create_index([("ids", ASCENDING)], unique=True)
    await collection.insert_one({"ids": ["a", "b"]})
    if backend == "mongodb":
        with pytest.raises(DuplicateKeyError):
            await collection.insert_one({"ids": ["c", "b"]})
    else:
        await collection.insert_one({"ids": ["c", "b"]})
        assert await collection.count_documents({}) == 2


async def test_concurrent_multi_document_transactions(backend, tmp_path: Path):
    """Why the event store uses one document per append instead of a transaction with a counter."""
    if backend == "mongodb":
        pytest.skip("MongoDB runs concurrent transactions; this pins nx-27017's failure only")
    with EmbeddedMongo(tmp_path) as server:  # a private server: the failure can leave it busy
        client = AsyncMongoClient(server.url, serverSelectionTimeoutMS=5000)
        collection = client.probe.counter
        await collection.insert_one({"_id": "head", "n": 0})

        async def bump(i: int) -> None:
            async with client.start_session() as session:
                async with await session.start_transaction():
                    await collection.update_one({"_id": "head"}, {"$inc": {"n": 1}}, session=session)
                    await asyncio.sleep(0.05)
                    await collection.insert_one({"_id": f"e{i}"}, session=session)

        results = await asyncio.wait_for(asyncio.gather(*(bump(i) for i in range(4)), return_exceptions=True), 60)
        await client.close()
    assert any(isinstance(r, (OperationFailure, PyMongoError)) for r in results), results


async def test_replacing_a_document_that_holds_binary(database, backend):
    # Workaround (projections/user_profiles.py): read models keep sealed blobs as base64 text.
    # Inserting binary works on both; replacing a document with binary in it fails on nx-27017.
    collection = database.probe
    await collection.insert_one({"_id": "a", "blob": b"\x00\xff"})
    assert (await collection.find_one({"_id": "a"}))["blob"] == b"\x00\xff"
    if backend == "mongodb":
        await collection.replace_one({"_id": "a"}, {"blob": b"\x01"})
        assert (await collection.find_one({"_id": "a"}))["blob"] == b"\x01"
    else:
        with pytest.raises(PyMongoError, match="not JSON serializable"):
            await collection.replace_one({"_id": "a"}, {"blob": b"\x01"})


async def test_projecting_a_field_inside_an_array_of_documents(database, backend):
    # Workaround (commands/mongo_store.py streams_with): filter on "events.type", never project it.
    collection = database.probe
    await collection.insert_many([{"s": "a", "events": [{"type": "t1", "x": 1}, {"type": "t2"}]},
                                  {"s": "b", "events": [{"type": "t2"}]}])
    assert [d["s"] async for d in collection.find({"events.type": "t1"})] == ["a"]
    projected = await collection.find({"s": "a"}, projection={"events.type": 1, "_id": 0}).to_list()
    assert projected == ([{"events": [{"type": "t1"}, {"type": "t2"}]}] if backend == "mongodb" else [{}])


async def test_an_update_filtered_on_a_whole_array(database, backend):
    # Workaround (commands/mongo_store.py rewrite_commit): match by _id, compare the array in Python.
    collection = database.probe
    await collection.insert_one({"_id": "c", "ids": ["a", "b"]})
    if backend == "mongodb":
        assert (await collection.update_one({"_id": "c", "ids": ["a", "b"]}, {"$set": {"x": 1}})).matched_count == 1
    else:
        with pytest.raises(PyMongoError, match="list"):
            await collection.update_one({"_id": "c", "ids": ["a", "b"]}, {"$set": {"x": 1}})


def _uses_an_index(explained: dict) -> bool:
    plan = str(explained.get("queryPlanner", {}).get("winningPlan", ""))
    return "IXSCAN" in plan or "USING INDEX" in plan  # MongoDB's stage; SQLite's plan under nx-27017


async def test_a_compound_index_serving_a_lookup_on_its_first_field(database, backend):
    # Workaround (commands/mongo_store.py): the events collection also has a single-field index on
    # "stream"; without it, every command's read of a member's stream scanned the whole log.
    collection = database.probe
    await collection.create_index([("stream", ASCENDING), ("version", ASCENDING)], unique=True)
    await collection.insert_many([{"stream": f"s{i % 10}", "version": i} for i in range(100)])
    explained = await collection.find({"stream": "s1"}).explain()
    assert _uses_an_index(explained) is (backend == "mongodb")
    await collection.create_index([("stream", ASCENDING)])
    assert _uses_an_index(await collection.find({"stream": "s1"}).explain())


async def test_the_event_store_reads_a_stream_through_an_index(database):
    from commands.mongo_store import MongoEventStore

    await MongoEventStore(database).create_indexes()
    explained = await database.events.find({"stream": "user-1"}).sort("version", 1).explain()
    assert _uses_an_index(explained)


async def test_comparing_dates_within_the_same_second(database, backend):
    # Workaround: time thresholds in queries (the scheduler's sweep: "untouched for 2 minutes")
    # are minutes wide, so a second's granularity cannot change what they find.
    from datetime import datetime, timedelta, timezone
    collection = database.probe
    moment = datetime(2026, 12, 7, 8, 0, 0, 300_000, tzinfo=timezone.utc)
    await collection.insert_one({"at": moment})
    half_a_second_later = await collection.find({"at": {"$lt": moment + timedelta(milliseconds=500)}}).to_list()
    assert len(half_a_second_later) == (1 if backend == "mongodb" else 0)
    assert len(await collection.find({"at": {"$lt": moment + timedelta(seconds=1)}}).to_list()) == 1
