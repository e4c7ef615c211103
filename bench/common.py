"""What every benchmark shares: the machine it ran on, percentiles, a database to run against."""
from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from pathlib import Path

from mybigmovie.embedded import EmbeddedMongo


def machine() -> str:
    """CPU, cores, memory, versions and the load at the start: what a figure was measured on."""
    import numpy

    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, load avg {load}")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@contextlib.contextmanager
def database_url():
    """MONGODB_URL when set, else a fresh embedded nx-27017 in a temporary directory."""
    if url := os.environ.get("MONGODB_URL"):
        yield url, "MongoDB at MONGODB_URL"
        return
    with tempfile.TemporaryDirectory(prefix="mybigmovie-bench-") as directory:
        with EmbeddedMongo(Path(directory)) as server:
            yield server.url, "embedded nx-27017"


@contextlib.asynccontextmanager
async def fresh_store(url: str, name: str):
    """(client, database, store) on an emptied database ``name``, dropped again afterwards."""
    from pymongo import AsyncMongoClient

    from commands.mongo_store import MongoEventStore

    client = AsyncMongoClient(url, tz_aware=True)
    await client.drop_database(name)
    store = MongoEventStore(client[name])
    await store.create_indexes()
    try:
        yield client, client[name], store
    finally:
        await client.drop_database(name)
        await client.close()
