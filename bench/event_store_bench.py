"""Event store and replay figures, each beside a baseline measured in the same run.

    .venv/bin/python -m bench.event_store_bench [--replay-sizes 100000,1000000]

Baselines: a bare PyMongo insert_one of a document of the same size (what an append costs
beyond the database's own write), a bare find() over the same commits (what read_all adds),
and for replay the bare scan of the log (the floor any replay must pay).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import datetime, timezone

import numpy as np

from bench.common import database_url, fresh_store, machine, percentile
from commands.mongo_store import MongoEventStore, commit_document, payload
from domain.events import MovieRated, Sealed, UserSignedUp
from projections.registry import Registry
from projections.replay import replay
from mybigmovie.bootstrap import all_projections

NOW = datetime.now(timezone.utc)
# The size of a real sealed sign-up: msgpack of an address, a name and an argon2id hash, plus the GCM tag.
SEALED_SIGNUP_BYTES = 160


def rating(stream: str, user: str, movie: int, stars: float) -> MovieRated:
    return MovieRated(event_id=uuid.uuid4().hex, stream=stream, occurred_at=NOW, user_id=user, movie_id=movie,
                      rating=stars)


async def append_latency(store: MongoEventStore, database, n: int = 2000) -> None:
    ours, bare = [], []
    for i in range(n):
        started = time.perf_counter()
        await store.append(f"user-lat{i}", 0, [rating(f"user-lat{i}", f"lat{i}", i, 4.0)])
        ours.append(time.perf_counter() - started)
    baseline = database["baseline_inserts"]
    for i in range(n):
        document = commit_document(f"b{i}", 0, i + 1, [uuid.uuid4().hex], [payload(rating("b", "b", i, 4.0))])
        started = time.perf_counter()
        await baseline.insert_one(document)
        bare.append(time.perf_counter() - started)
    for q in (50, 99):
        print(f"  single append p{q}: {percentile(ours, q) * 1e3:6.2f} ms   "
              f"(bare insert_one p{q}: {percentile(bare, q) * 1e3:5.2f} ms, ratio {percentile(ours, q) / percentile(bare, q):4.1f}x)"
              + ("   target p99 <= 10 ms: " + ("PASS" if percentile(ours, 99) <= 0.010 else "FAIL") if q == 99 else ""))


async def batch_throughput(store: MongoEventStore, batches: int = 200, size: int = 100) -> None:
    started = time.perf_counter()
    for b in range(batches):
        stream = f"user-batch{b}"
        await store.append(stream, 0, [rating(stream, f"batch{b}", i, 3.5) for i in range(size)])
    seconds = time.perf_counter() - started
    print(f"  batch append ({batches} x {size} events): {batches * size / seconds:,.0f} events/s")


async def timed_scan(store: MongoEventStore) -> float:
    """Seconds to read the whole log through read_all, page by page."""
    started, after = time.perf_counter(), 0
    while page := await store.read_all(after=after, limit=5000):
        after = page[-1].position
    return time.perf_counter() - started


async def scan_throughput(store: MongoEventStore, database) -> None:
    head = await store.head()
    ours = await timed_scan(store)
    started = time.perf_counter()
    await database.events.find({}).to_list()
    bare = time.perf_counter() - started
    print(f"  read_all scan: {head / ours:,.0f} events/s   (bare find(): {head / bare:,.0f} events/s, "
          f"ratio {ours / bare:3.1f}x)")


async def lay_down_ratings(database, total: int, seed: int = 0) -> None:
    """``total`` single-rating commits, as the site writes them, over a long-tailed set of users."""
    rng = np.random.default_rng(seed)
    users = max(100, total // 150)
    activity = rng.zipf(1.6, size=total) % users
    movies = rng.zipf(1.3, size=total) % 20_000
    stars = rng.choice(np.arange(1, 11) / 2, size=total, p=[.01, .03, .02, .07, .05, .2, .12, .27, .08, .15])
    versions: dict[int, int] = {}
    signups = [commit_document(f"user-s{u}", 0, u + 1, [uuid.uuid4().hex], [payload(UserSignedUp(
        event_id="-", stream="-", occurred_at=NOW, user_id=f"s{u}",
        personal=Sealed(nonce=os.urandom(12), data=os.urandom(SEALED_SIGNUP_BYTES))))]) for u in range(users)]
    await database.events.insert_many(signups)
    position, chunk = users, []
    for i in range(total):
        user = int(activity[i])
        version = versions.get(user, 1)
        versions[user] = version + 1
        position += 1
        chunk.append(commit_document(f"user-s{user}", version, position, [uuid.uuid4().hex],
                                     [payload(rating("-", f"s{user}", int(movies[i]), float(stars[i])))]))
        if len(chunk) == 20_000:
            await database.events.insert_many(chunk)
            chunk = []
    if chunk:
        await database.events.insert_many(chunk)


async def member_append_latency(store: MongoEventStore, total: int, n: int = 300) -> None:
    """What a member's command costs the log once it has grown: read what is new in the member's
    stream, then append one event to it (a full log, not an empty one: a lookup that scans the log
    looks fine at 2,000 events and costs 60 ms at 30,000)."""
    users = max(100, total // 150)
    streams = [f"user-s{(i * 7919) % users}" for i in range(n)]
    # The command handlers keep each member's folded state: a command reads only the stream's new commits.
    versions = {stream: len(await store.read_stream(stream)) for stream in set(streams)}
    samples = []
    for i, stream in enumerate(streams):
        started = time.perf_counter()
        versions[stream] += len(await store.read_stream(stream, since_version=versions[stream]))
        await store.append(stream, versions[stream], [rating(stream, stream[5:], 90_000 + i, 3.0)])
        versions[stream] += 1
        samples.append(time.perf_counter() - started)
    p99 = percentile(samples, 99)
    print(f"  a member's command in a log of {total:,} events (read the stream, append): p50 "
          f"{percentile(samples, 50) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms   target p99 <= 10 ms: "
          + ("PASS" if p99 <= 0.010 else "FAIL"))


async def replay_time(store: MongoEventStore, database, total: int) -> None:
    started = time.perf_counter()
    await lay_down_ratings(database, total)
    laid = time.perf_counter() - started
    await member_append_latency(store, total)
    head = await store.head()
    scan = await timed_scan(store)
    started = time.perf_counter()
    await replay(store, Registry(database), all_projections())
    seconds = time.perf_counter() - started
    verdict = f"   target 1M <= 60 s: {'PASS' if seconds <= 60 else 'FAIL'}" if total >= 1_000_000 else ""
    print(f"  replay of {head:,} events (every read model): {seconds:6.1f} s, {head / seconds:,.0f} events/s   "
          f"(bare read_all scan {scan:5.1f} s, ratio {seconds / scan:3.1f}x; laying the log down took {laid:.0f} s)"
          + verdict)


async def main(replay_sizes: list[int]) -> None:
    print(f"Event store benchmark on {machine()}")
    with database_url() as (url, label):
        print(f"Database: {label}")
        async with fresh_store(url, "bench_store") as (_, database, store):
            await append_latency(store, database)
            await batch_throughput(store)
            await scan_throughput(store, database)
        for size in replay_sizes:
            async with fresh_store(url, f"bench_replay_{size}") as (_, database, store):
                await replay_time(store, database, size)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replay-sizes", default="100000,1000000")
    args = parser.parse_args()
    asyncio.run(main([int(size) for size in args.replay_sizes.split(",") if size]))
