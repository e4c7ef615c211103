"""What every benchmark shares: the machine it ran on, percentiles, a database to run against."""
from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from pathlib import Path

from mybigmovie.embedded import EmbeddedMongo


def machine() -> str:
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
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


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
