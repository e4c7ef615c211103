"""Catalog figures: import, full replay, ratings-matrix load and search latency, with their targets.

    .venv/bin/python -m bench.catalog_bench [--data ../shared/data] [--synthetic 1m] [--queries 300]

Imports the real catalog of --data (~24k movies, ~1.7k shows with ~146k episodes, ~196k real
ratings) plus a synthetic history (1M ratings by default) into a fresh database (the embedded
nx-27017 unless MONGODB_URL is set), then rebuilds every catalog read model from the log, loads
the ratings matrix and runs a mix of real search queries. Baselines from the same run: the bare
scan of the log (the floor of any replay) and a bare find() of the matrix documents.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
import tracemalloc
from pathlib import Path


from bench.common import fresh_store, database_url, machine, percentile
from commands.importers import detect, import_sources
from commands.importers.synthetic import SIZES
from commands.importers.synthetic_import import import_synthetic
from commands.mongo_store import MongoEventStore
from mybigmovie.bootstrap import all_projections
from projections.movies import Movies
from projections.ratings_matrix import (
    RatingsMatrixProjection,
    load_ratings_arrays,
    load_ratings_matrix,
)
from projections.registry import Registry
from projections.replay import replay
from projections.runner import catch_up
from projections.hot_catalog import HotCatalog
from projections.search import SearchIndex, search
from projections.shows import Shows

QUERIES = [("amelie", {}), ("godfater", {}), ("star wa", {}), ("the office", {"kind": "show"}), ("matrx", {}),
           ("lord of the rings", {}), ("game of thrones", {}), ("", {"genres": ("Comedy",), "year_from": 1990,
                                                                      "year_to": 1999}), ("", {"genres": ("Drama",)})]


def report(label: str, seconds: float, target: float | None = None, extra: str = "") -> None:
    verdict = f"   target <= {_time(target)}: {'PASS' if seconds <= target else 'FAIL'}" if target else ""
    print(f"  {label:<58} {_time(seconds):>9}{verdict}{extra}")


def _time(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


async def run(store: MongoEventStore, registry: Registry, data: Path, synthetic: int, queries: int) -> None:
    started = time.perf_counter()
    real = await import_sources(store, detect(data))
    catalog_seconds = time.perf_counter() - started
    generated = await import_synthetic(store, synthetic)
    imported = time.perf_counter() - started
    print(f"  imported {real.movies_listed:,} movies, {real.shows_listed:,} shows ({real.episodes_listed:,} "
          f"episodes), {sum(real.ratings_appended.values()):,} real + {sum(generated.ratings_appended.values()):,} "
          f"synthetic ratings; {await store.head():,} events")
    report("import: catalog and real ratings", catalog_seconds)
    report("import: everything (catalog, real and synthetic ratings)", imported, 120)
    projections = list({p.name: p for p in [*all_projections(), Movies(), Shows(), RatingsMatrixProjection()]}.values())
    started = time.perf_counter()
    await catch_up(store, registry, projections, page_size=5000)
    report("read models catching up after the import", time.perf_counter() - started)
    await replay_all(store, registry, projections)
    await matrix_load(registry)
    await search_latency(registry, queries)


async def replay_all(store: MongoEventStore, registry: Registry, projections) -> None:
    started, after = time.perf_counter(), 0
    while page := await store.read_all(after=after, limit=5000):
        after = page[-1].position
    scan = time.perf_counter() - started
    started = time.perf_counter()
    await replay(store, registry, projections)
    seconds = time.perf_counter() - started
    report(f"full replay of every read model ({', '.join(p.name for p in projections)})", seconds, 60,
           f"   (bare log scan {scan:.1f} s, ratio {seconds / scan:.1f}x)")


async def matrix_load(registry: Registry) -> None:
    samples, size = [], 0
    for _ in range(5):
        started = time.perf_counter()
        arrays = await load_ratings_arrays(registry, include_synthetic=True)
        samples.append(time.perf_counter() - started)
        size = len(arrays)
    collection = registry.database[(await registry.active("ratings_matrix")).collection]
    started = time.perf_counter()
    await collection.find({}).to_list()
    bare = time.perf_counter() - started
    report(f"ratings matrix load ({size:,} ratings, median of 5)", sorted(samples)[2], 1,
           f"   (bare find of its documents {_time(bare)})")
    started = time.perf_counter()
    matrix = await load_ratings_matrix(registry, include_synthetic=True)
    report(f"  as the recommender's RatingsMatrix ({matrix.n_users:,} users x {matrix.n_items:,} movies)",
           time.perf_counter() - started, 1)


async def search_latency(registry: Registry, count: int) -> None:
    catalog = HotCatalog(registry, max_staleness=3600)
    started = time.perf_counter()
    await catalog.refresh()
    index = catalog.index
    report(f"catalog load into memory, with the search index ({len(index.titles):,} titles, once per process)",
           time.perf_counter() - started)
    await catalog_memory(registry, len(catalog.movies) + len(catalog.shows),
                         sum(len(eps) for show in catalog.shows.values() for eps in show.seasons.values()))
    rng = random.Random(7)
    titles = sorted(hit.title for hit in index.titles.values())
    mix = list(QUERIES) + [(_typed(rng, rng.choice(titles)), {}) for _ in range(count)]
    samples = []
    for text, filters in mix:
        begun = time.perf_counter()
        search(index, text, **filters)
        samples.append(time.perf_counter() - begun)
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    report(f"search p95 over {len(mix)} queries (p50 {_time(p50)})", p95, 0.030)
    await search_worst_cases(index, p50)


# What an attacker types: the longest words of the most common letters (every typo of each is
# looked up), as many words as fit, text that folding expands, one letter, the commonest words.
WORST = {"one letter": "a", "common words": "the of and a in to", "8 words of 40 letters": " ".join(["e" * 40] * 8),
         "8 distinct long words": " ".join(c * 40 for c in "etaoinsr"), "ligatures that fold longer": "\ufb03" * 5000,
         "100 KB of words": "star wars " * 10_000, "typos of long common words": "theeee lovvve storyyy nighttt " * 3,
         # understood words (projections/query_words.py): the biggest genre, across every year; four genres
         "a big genre": "drama", "a big genre over every year": "drama 1800-2099",
         "four genres": "drama comedy action thriller"}


async def search_worst_cases(index: SearchIndex, typical: float) -> None:
    """CPU time of the costliest queries we could think of; each must stay under ~50 ms."""
    for label, text in WORST.items():
        begun = time.process_time()
        search(index, text)
        seconds = time.process_time() - begun
        report(f"search worst case: {label} (CPU)", seconds, 0.050, f"   {seconds / typical:.0f}x a typical query")


async def catalog_memory(registry: Registry, titles: int, episodes: int) -> None:
    """What the catalog held in memory costs each web process (docs/SCALING.md derives 100k titles from it)."""
    gc.collect()
    tracemalloc.start()
    copy = HotCatalog(registry, max_staleness=3600)
    await copy.refresh()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  catalog in memory: {held / 2**20:,.0f} MB for {titles:,} titles and {episodes:,} episodes "
          f"({held / titles / 1024:,.1f} KiB a title, episodes and search index included)")
    del copy


def _typed(rng: random.Random, title: str) -> str:
    """What a person types for ``title``: its first words, the last one unfinished, maybe a typo."""
    words = title.split()[: rng.randint(1, 3)]
    last = words[-1]
    words[-1] = last[: max(2, rng.randint(len(last) // 2, len(last)))]
    if rng.random() < 0.3 and len(words[0]) >= 5:
        cut = rng.randrange(1, len(words[0]))
        words[0] = words[0][:cut] + words[0][cut + 1:]
    return " ".join(words)


async def main(data: Path, synthetic: int, queries: int) -> None:
    print(f"Catalog benchmark on {machine()}")
    with database_url() as (url, label):
        print(f"Database: {label}")
        async with fresh_store(url, "bench_catalog") as (_, database, store):
            await run(store, Registry(database), data, synthetic, queries)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--synthetic", default="1m", help=f"one of {', '.join(SIZES)} or a number of ratings")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    size = SIZES.get(args.synthetic) or int(args.synthetic)
    asyncio.run(main(args.data, size, args.queries))
