"""A member's export costs the web process the same memory for 10,000 events as for 100.

    .venv/bin/python -m bench.export_bench [--sizes 100,10000]

Lays down, in a fresh database (the embedded nx-27017 unless MONGODB_URL is set), 10,000 listed movies
and, for each size, a member (signed up and confirmed through the command handlers) with that many
events: ratings of distinct movies, a tenth of them changed, appended to the log ten to a commit and
interleaved with another member's commits, so the member's events are scattered through the log as
on a real site. The read models are brought up to date. Then, for each size, a web process of its own
(``mybigmovie serve --no-workers``, loopback, a Redis of its own when redis-server is installed) is
started, the member logs in over HTTP and downloads /me/export/events.jsonl and then
/me/export/ratings.csv, reading each body as it arrives. The web process's peak RSS (VmHWM in
/proc/<pid>/status) is reset (``clear_refs``) right before each download and read right after it: the
figure is the peak while that export streamed, and its growth over the RSS just before is the
export's own. Prints both sizes, and the ratio of the larger's peak to the smaller's. About a minute.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench.common import database_url, fresh_store, machine

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_export"
PASSWORD = "correct horse battery staple"
MOVIES = 10_000
TARGET_RATIO = 1.10  # the larger export's peak RSS at most 10 % above the smaller's


@dataclass
class Measured:
    size: int
    body: int  # bytes received
    lines: int
    seconds: float
    before: float  # RSS (MB) just before the download
    peak: float  # peak RSS (MB) while it streamed


def rss(pid: int) -> tuple[float, float]:
    """(resident, peak resident) in MB of ``pid``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def reset_peak(pid: int) -> None:
    """Set the process's peak RSS back to its RSS now (Linux: ``echo 5 > /proc/<pid>/clear_refs``)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def redis_url(directory: Path):
    """A redis-server of this run's own when one is installed, else REDIS_URL (or the default)."""
    import shutil
    if os.environ.get("REDIS_URL") or not shutil.which("redis-server"):
        yield os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        return
    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis
        client = redis.Redis(port=port)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def lay_down(services, sizes: list[int]) -> dict[int, str]:
    """The catalog, and a member with ``size`` events for each size (with another member between)."""
    from commands import messages as m
    from domain import events as e
    from domain.accounts import new_user_id, stream_for
    from projections.runner import catch_up
    from mybigmovie.bootstrap import all_projections

    now = datetime.now(timezone.utc)
    listed = [e.MovieListed(event_id=str(uuid.uuid4()), stream="catalog-bench", occurred_at=now, movie_id=i,
                            title=f"Movie {i}", year=1950 + i % 70, genres=("Drama",), imdb_id=f"tt{i:07d}",
                            source="bench") for i in range(1, MOVIES + 1)]
    for start in range(0, MOVIES, 1000):
        await services.store.append("catalog-bench", None, listed[start:start + 1000])
    members: dict[int, str] = {}
    for size in [*sizes, 0]:  # the last one is the member whose commits come between
        email, command = f"member{size}@example.org", uuid.uuid4().hex
        await services.handlers.handle(m.SignUp(command_id=command, email=email, password=PASSWORD,
                                                display_name=f"Member {size}"))
        members[size] = new_user_id(command, email)
        await services.handlers.handle(m.VerifyEmail(command_id=uuid.uuid4().hex, user_id=members[size],
                                                     email_version=1))
    other, other_version = stream_for(members[0]), 2
    for size in sizes:
        user, stream = members[size], stream_for(members[size])
        events = []
        for i in range(size):
            movie, meta = i % MOVIES + 1, {"event_id": str(uuid.uuid4()), "stream": stream, "occurred_at": now,
                                           "user_id": user}
            events.append(e.MovieRatingChanged(**meta, movie_id=movie - 1, rating=4.0, previous=3.0)
                          if i % 10 == 9 else e.MovieRated(**meta, movie_id=movie, rating=3.0 + (i % 5) / 2))
        version = 2
        for start in range(0, size, 10):
            await services.store.append(stream, version, events[start:start + 10])
            version += len(events[start:start + 10])
            meta = {"event_id": str(uuid.uuid4()), "stream": other, "occurred_at": now, "user_id": members[0]}
            await services.store.append(other, other_version, [
                e.MovieRated(**meta, movie_id=(start // 10) % MOVIES + 1, rating=3.5)])
            other_version += 1
    await catch_up(services.store, services.registry, all_projections(), page_size=5000)
    return members


async def start_site(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "mybigmovie.cli", "serve", "--no-workers"], env=env,
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(1200):
            if process.poll() is not None:
                raise RuntimeError(f"mybigmovie serve exited:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz", timeout=2)).status_code == 200:
                    return process
            await asyncio.sleep(0.1)
    raise RuntimeError("mybigmovie serve did not answer within 120 s")


async def download(client: httpx.AsyncClient, pid: int, path: str, size: int) -> Measured:
    before = rss(pid)[0]
    reset_peak(pid)
    started, body, lines = time.perf_counter(), 0, 0
    async with client.stream("GET", path) as response:
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        async for chunk in response.aiter_bytes():
            body += len(chunk)
            lines += chunk.count(b"\n")
    return Measured(size, body, lines, time.perf_counter() - started, before, rss(pid)[1])


async def measure(env: dict[str, str], port: int, work: Path, size: int) -> list[Measured]:
    site = await start_site(env, port, work / f"serve-{size}.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            form = await client.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
            answer = await client.post("/login", data={"_csrf_token": token, "email": f"member{size}@example.org",
                                                       "password": PASSWORD, "next": "/me/history"})
            # /me/history, not /me: that page lists every rating the member gave, which is not the export's cost
            if answer.status_code != 303 or (await client.get("/me/history")).status_code != 200:
                raise RuntimeError(f"member{size} could not log in: {answer.status_code}")
            return [await download(client, site.pid, path, size)
                    for path in ("/me/export/events.jsonl", "/me/export/ratings.csv")]
    finally:
        site.send_signal(signal.SIGINT)
        try:
            site.wait(timeout=20)
        except subprocess.TimeoutExpired:
            site.kill()
            site.wait()


async def run(sizes: list[int]) -> int:
    from mybigmovie import bootstrap
    from mybigmovie.settings import load_settings

    print(f"Export memory benchmark on {machine()}", flush=True)
    with database_url() as (url, label), tempfile.TemporaryDirectory(prefix="mybigmovie-export-") as directory:
        work = Path(directory)
        print(f"Database: {label}", flush=True)
        with redis_url(work) as redis:
            port = free_port()
            env = {**os.environ, "MONGODB_URL": url, "MONGODB_DATABASE": DATABASE, "MYBIGMOVIE_VAR_DIR": str(work),
                   "MYBIGMOVIE_HOST": "127.0.0.1", "MYBIGMOVIE_PORT": str(port), "SECRET_KEY": secrets.token_hex(32),
                   "REDIS_URL": redis, "MYBIGMOVIE_WEB_PROCESSES": "1",
                   # no mail is sent: a port nobody listens on, and no local mailbox started by serve
                   "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port())}
            os.environ.update({k: env[k] for k in ("MONGODB_DATABASE", "MYBIGMOVIE_VAR_DIR", "SECRET_KEY",
                                                   "REDIS_URL", "SMTP_HOST", "SMTP_PORT")})
            async with fresh_store(url, DATABASE):
                started = time.perf_counter()
                async with bootstrap.services(load_settings(), url) as services:
                    await lay_down(services, sizes)
                print(f"  set-up: {MOVIES:,} movies, members with {', '.join(f'{s:,}' for s in sizes)} events, "
                      f"projected, in {time.perf_counter() - started:.0f} s", flush=True)
                results = {size: await measure(env, port, work, size) for size in sizes}
    for size, (events, ratings) in results.items():
        print(f"  {size:>6,} events: events.jsonl {events.body / 1024:8.0f} KiB, {events.lines - 1:6,} events in "
              f"{events.seconds:5.2f} s, peak RSS {events.peak:6.1f} MB (+{events.peak - events.before:4.1f} over "
              f"{events.before:.1f}); ratings.csv {ratings.lines - 1:6,} rows in {ratings.seconds:5.2f} s, peak RSS "
              f"{ratings.peak:6.1f} MB (+{ratings.peak - ratings.before:4.1f})", flush=True)
    small, large = results[min(sizes)][0], results[max(sizes)][0]
    ratio = large.peak / small.peak
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"  peak RSS while streaming events.jsonl, {max(sizes):,} / {min(sizes):,} events: {large.peak:.1f} / "
          f"{small.peak:.1f} MB = {ratio:.3f}   target <= {TARGET_RATIO}: {verdict}")
    return 0 if verdict == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,10000", help="events of each member, comma-separated")
    args = parser.parse_args()
    return asyncio.run(run(sorted(int(size) for size in args.sizes.split(",") if size)))


if __name__ == "__main__":
    sys.exit(main())
