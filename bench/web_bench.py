"""Web figures: the site's pages under load, rating under concurrency, and the web process's memory.

    .venv/bin/python -m bench.web_bench [--data ../shared/data] [--seconds 5] [--connections 32]
                                        [--client auto|wrk|python] [--web-processes 1] [--synthetic 25m]

Imports the real catalog of --data into a fresh database (the embedded nx-27017 unless MONGODB_URL is
set), trains and publishes a model with ``mybigmovie train --preset fast``, makes 8 members through the
command handlers (sign up, confirm the address, 100 ratings of popular movies each), then starts the
site as ``mybigmovie serve --no-workers`` runs it (its own process, a private Redis, loopback only),
logs the members in over HTTP and loads each page with ``wrk`` (Debian's; ``scripts/apt-install.sh
wrk``), or with an asyncio client in this process when wrk is missing. Member requests rotate over the
8 members' sessions; the API's member requests over their personal tokens (Authorization: Bearer).

The baseline is ``/about``, a plain template, measured in the same run: each page's throughput at
--connections is given as a share of it. Targets (issue 8): at 32 connections p99 <= 100 ms (a time-out
fails it too: wrk leaves timed-out requests out of its percentiles) and >= 40 % of /about's throughput;
at 1 connection p50 <= 15 ms; an htmx rating POST by 8 members at once p99 <= 50 ms, and the member's
next page shows the rating; the web process's RSS <= 400 MB after the load. --synthetic imports that
many synthetic ratings too (SIZES names like 1m, 25m; 25m takes long) and trains on them.
--web-processes N serves with N web processes (MYBIGMOVIE_WEB_PROCESSES), to measure 1 -> 2.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import database_url, fresh_store, machine, percentile

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_web"
PASSWORD = "correct horse battery staple"
MEMBERS, RATINGS_EACH, POOL = 8, 100, 400
RATING_ROUNDS = 10  # htmx rating POSTs per member in the concurrency test
SHOW_EPISODES = 60
P99_TARGET, SHARE_TARGET, SOLO_P50_TARGET, RATE_P99_TARGET, RSS_TARGET = 0.100, 0.40, 0.015, 0.050, 400
TIMEOUT = 2.0  # seconds before a request counts as timed out (wrk's default)
# "__N__" in a page's path: each request asks for another of this many (web/page_cache.py keeps none for it)
NOT_KEPT_PAGES = 997

# Subprocesses this run started (the site, Redis, wrk): ended on any exit, Ctrl+C included.
_STARTED: list[subprocess.Popen] = []
_verdicts: list[bool] = []


def report(label: str, value: str, verdict: str = "", extra: str = "") -> None:
    print(f"  {label:<46} {value:>12}{verdict}{extra}", flush=True)


def check(ok: bool, target: str) -> str:
    _verdicts.append(ok)
    return f"   {target}: {'PASS' if ok else 'FAIL'}"


def _time(seconds: float) -> str:
    if seconds != seconds:  # NaN: no sample
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


# --- a small HTTP/1.1 client (keep-alive, Content-Length or chunked) -------------------------------

@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Connection:
    """One keep-alive connection to the site on loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
                      timeout: float = 30.0) -> Reply:
        try:
            return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), timeout)
        except BaseException:
            self.close()  # a half-read answer must not be taken for the next one
            raise

    async def _exchange(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Accept: text/html"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self._writer.drain()
        reader = self._reader
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        found: list[tuple[str, str]] = []
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            found.append((name.strip().lower(), value.strip()))
        reply = Reply(status, found, b"")
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            pass
        elif (reply.header("transfer-encoding") or "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            reply.body = b"".join(chunks)
        elif (length := reply.header("content-length")) is not None:
            reply.body = await reader.readexactly(int(length))
        else:
            reply.body = await reader.read()
            self.close()
        if (reply.header("connection") or "").lower() == "close":
            self.close()
        return reply

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


@dataclass
class Member:
    email: str
    user_id: str
    rated: dict[int, float]
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    token: str = ""  # a personal API token (read), made through the command handlers as /me makes one

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take_cookies(self, reply: Reply) -> None:
        for name, value in reply.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if not val or re.search(r"max-age=0\b", value, re.I):
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = val.strip()


def _hx_csrf(html: str) -> str:
    found = re.search(r"""hx-headers='\{"X-CSRFToken":\s*"([^"]+)"\}'""", html)
    if not found:
        raise RuntimeError("no CSRF token in the page's <body hx-headers>")
    return found.group(1)


# --- set-up ---------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(argv: list[str], **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(argv, **kwargs)
    _STARTED.append(process)
    return process


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in _STARTED:
        _STARTED.remove(process)


def _stop_all() -> None:
    for process in reversed(list(_STARTED)):
        _stop(process, signal.SIGINT if process.args[:1] != ["redis-server"] else signal.SIGTERM)


@contextlib.contextmanager
def private_redis(directory: Path):
    """A Redis of this run's own (sessions and throttles start empty, nobody else's are touched);
    REDIS_URL (or the default one) when redis-server is not installed."""
    if os.environ.get("REDIS_URL") or not shutil.which("redis-server"):
        yield os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "REDIS_URL" if os.environ.get(
            "REDIS_URL") else "the default Redis at 127.0.0.1:6379"
        return
    port = _free_port()
    process = _start(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
                      "no", "--dir", str(directory), "--logfile", str(directory / "redis.log")],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"redis-server did not start; see {directory / 'redis.log'}")
        yield f"redis://127.0.0.1:{port}/0", "a private redis-server"
    finally:
        _stop(process)


async def import_catalog(store, registry, data: Path, synthetic: int) -> None:
    from commands.importers import detect, import_sources
    from commands.importers.synthetic_import import import_synthetic
    from mybigmovie.bootstrap import all_projections
    from projections.runner import catch_up

    started = time.perf_counter()
    real = await import_sources(store, detect(data))
    line = (f"{real.movies_listed:,} movies, {real.shows_listed:,} shows ({real.episodes_listed:,} episodes), "
            f"{sum(real.ratings_appended.values()):,} real ratings")
    if synthetic:
        generated = await import_synthetic(store, synthetic)
        line += f", {sum(generated.ratings_appended.values()):,} synthetic ratings"
    imported = time.perf_counter() - started
    await catch_up(store, registry, all_projections(), page_size=5000)
    print(f"  set-up: imported {line} in {imported:.1f} s; read models caught up in "
          f"{time.perf_counter() - started - imported:.1f} s ({await store.head():,} events)", flush=True)


def train(env: dict[str, str], synthetic: bool) -> None:
    """``mybigmovie train --preset fast``, as an operator runs it: the model published in the var dir."""
    started = time.perf_counter()
    argv = [sys.executable, "-m", "mybigmovie.cli", "train", "--preset", "fast"]
    done = subprocess.run(argv + (["--include-synthetic"] if synthetic else []), env={**env, "COLUMNS": "500"},
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"mybigmovie train failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    said = next((line.strip() for line in reversed(done.stdout.splitlines()) if line.strip().startswith("model")),
                "model published")
    print(f"  set-up: {said.split(';')[0]} (mybigmovie train --preset fast, {time.perf_counter() - started:.1f} s)",
          flush=True)


async def popular_titles(services) -> tuple[list[int], tuple[int, int, str]]:
    """(the POOL most-rated listed movies, (id, episodes, title) of the most popular listed show with
    SHOW_EPISODES+ episodes), from the read models the projections wrote."""
    registry, database = services.registry, services.database
    movies = database[(await registry.active("movies")).collection]
    shows = database[(await registry.active("shows")).collection]
    pool = [d["_id"] for d in await movies.find({"listed": True}, projection={"_id": 1})
            .sort([("rating_count", -1), ("_id", 1)]).limit(POOL).to_list()]
    if len(pool) < RATINGS_EACH + RATING_ROUNDS:
        raise RuntimeError(f"only {len(pool)} listed movies: import the real catalog (--data)")
    candidates = []
    async for doc in shows.find({"listed": True}, projection={"episodes": 1, "popularity": 1, "title": 1}):
        if len(doc.get("episodes") or {}) >= SHOW_EPISODES:
            candidates.append((doc.get("popularity") or 0, doc["_id"], len(doc["episodes"]), doc.get("title") or ""))
    if not candidates:
        raise RuntimeError(f"no listed show with {SHOW_EPISODES}+ episodes in the read model")
    _, show_id, episodes, title = max(candidates)
    return pool, (show_id, episodes, title)


async def make_members(services, pool: list[int]) -> list[Member]:
    """MEMBERS members made as the web makes them (sign up, confirm), each rating RATINGS_EACH movies."""
    from commands import messages as m
    from domain.accounts import new_user_id
    from web.api.tokens import new_token

    handlers = services.handlers
    rng = random.Random(8)
    stars = [x / 2 for x in range(1, 11)]
    weights = [1, 1, 2, 3, 5, 8, 12, 14, 10, 7]  # a typical skew towards 3.5-4 stars

    tastes = [{movie: rng.choices(stars, weights)[0] for movie in rng.sample(pool, RATINGS_EACH)}
              for _ in range(MEMBERS)]

    async def one(i: int) -> Member:
        email = f"bench-member-{i}@example.org"
        command_id = uuid.uuid4().hex
        await handlers.handle(m.SignUp(command_id=command_id, email=email, password=PASSWORD,
                                       display_name=f"Bench member {i}"))
        user_id = new_user_id(command_id, email)
        await handlers.handle(m.VerifyEmail(command_id=uuid.uuid4().hex, user_id=user_id, email_version=1))
        rated = tastes[i]
        for movie, rating in rated.items():
            await handlers.handle(m.RateMovie(command_id=uuid.uuid4().hex, user_id=user_id, movie_id=movie,
                                              rating=rating))
        token, token_id, digest = new_token(user_id)
        await handlers.handle(m.CreateApiToken(command_id=uuid.uuid4().hex, user_id=user_id, token_id=token_id,
                                               token_hash=digest, scope="read", name="bench"))
        return Member(email, user_id, rated, token=token)

    started = time.perf_counter()
    members = await asyncio.gather(*(one(i) for i in range(MEMBERS)))
    await services.projector.run_once()
    seconds = time.perf_counter() - started
    print(f"  set-up: {MEMBERS} members with {RATINGS_EACH} ratings each through the command handlers, all at once, "
          f"in {seconds:.1f} s ({MEMBERS * (RATINGS_EACH + 2) / seconds:.0f} commands/s)", flush=True)
    return list(members)


async def start_site(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = _start([sys.executable, "-m", "mybigmovie.cli", "serve", "--no-workers"], env=env, cwd=ROOT,
                         stdout=out, stderr=subprocess.STDOUT)
    connection = Connection(port)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mybigmovie serve exited ({process.returncode}):\n{_tail(log)}")
        with contextlib.suppress(OSError, asyncio.TimeoutError, ConnectionError, ValueError, IndexError):
            if (await connection.request("GET", "/about", timeout=5)).status == 200:
                connection.close()
                report("web process up (mybigmovie serve --no-workers)", _time(time.perf_counter() - started),
                       extra=f"   RSS then {rss(process.pid)[0]:.0f} MB")
                return process
        await asyncio.sleep(0.2)
    raise RuntimeError(f"mybigmovie serve did not answer /about within 600 s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return ""


async def log_in(port: int, member: Member) -> None:
    """GET /login for the CSRF cookie and token, POST /login, then the session's htmx CSRF token."""
    connection = Connection(port)
    form = await connection.request("GET", "/login")
    member.take_cookies(form)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    if form.status != 200 or not token:
        raise RuntimeError(f"GET /login answered {form.status} without a CSRF token")
    body = urlencode({"_csrf_token": token.group(1), "email": member.email, "password": PASSWORD, "next": "/"})
    answer = await connection.request("POST", "/login", {"Cookie": member.cookie,
                                                         "Content-Type": "application/x-www-form-urlencoded"},
                                      body.encode())
    member.take_cookies(answer)
    if answer.status not in (200, 302, 303):
        raise RuntimeError(f"POST /login for {member.email} answered {answer.status}: {answer.text[:300]}")
    home = await connection.request("GET", "/", {"Cookie": member.cookie})
    member.take_cookies(home)
    if 'action="/logout"' not in home.text:
        raise RuntimeError(f"{member.email} is not logged in after POST /login (status {answer.status})")
    member.csrf = _hx_csrf(home.text)
    connection.close()


# --- load -----------------------------------------------------------------------------------------

@dataclass
class Load:
    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int  # connect/read/write errors and 4xx/5xx answers
    timeouts: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
local cookies = {%s}
local header = %s
local threads = 0
local PAGES = %d
setup = function(thread) thread:set("offset", threads); threads = threads + 1 end
local i = 0
request = function()
  i = i + 1
  local headers = {["Accept"] = "text/html"}
  if #cookies > 0 then headers[header] = cookies[((i + (offset or 0)) %% #cookies) + 1] end
  -- a path with __N__: a number of its own in each request (threads take turns), so no two ask for the same page
  local path = string.gsub(wrk.path, "__N__", tostring(((i * 2 + (offset or 0)) %% PAGES) + 1))
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n', summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status,
    e.timeout))
end
"""


async def wrk(port: int, path: str, cookies: list[str], connections: int, seconds: int, scripts: Path,
              header: str = "Cookie") -> Load:
    """``cookies``: the values of ``header`` (Cookie, or Authorization for the API) to rotate over."""
    script = scripts / f"wrk-{header}-{len(cookies)}.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT % (", ".join(json.dumps(c) for c in cookies), json.dumps(header), NOT_KEPT_PAGES))
    threads = min(2, connections)
    path = path.replace("__N__", f"{random.randrange(10**9)}-__N__")  # this run's URLs: none asked for before
    process = await asyncio.create_subprocess_exec(
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={TIMEOUT:g}s", "-s", str(script),
        f"http://127.0.0.1:{port}{path}", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    found = re.search(r"WRKJSON (\{.*\})", out.decode())
    if not found:
        raise RuntimeError(f"wrk said nothing usable for {path}:\n{out.decode()}\n{err.decode()}")
    r = json.loads(found.group(1))
    return Load(r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1e6 if r["requests"] else float("nan"),
                r["p99_us"] / 1e6 if r["requests"] else float("nan"),
                r["connect"] + r["read"] + r["write"] + r["status"], r["timeout"])


async def python_load(port: int, path: str, cookies: list[str], connections: int, seconds: float, _=None,
                      header: str = "Cookie") -> Load:
    """wrk's job done by asyncio in this process (it competes with the site for the cores)."""
    samples: list[float] = []
    errors = timeouts = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))
    path = path.replace("__N__", f"{random.randrange(10**9)}-__N__")  # this run's URLs: none asked for before

    async def client(k: int) -> None:
        nonlocal errors, timeouts
        connection = Connection(port)
        while time.perf_counter() < deadline:
            n = next(counter)
            headers = {header: cookies[(n + k) % len(cookies)]} if cookies else {}
            begun = time.perf_counter()
            try:
                answer = await connection.request("GET", path.replace("__N__", str(n % NOT_KEPT_PAGES + 1)), headers,
                                                  timeout=TIMEOUT)
            except asyncio.TimeoutError:
                timeouts += 1
                continue
            except (OSError, ConnectionError, ValueError, IndexError, asyncio.IncompleteReadError):
                errors += 1
                await asyncio.sleep(0.01)
                continue
            samples.append(time.perf_counter() - begun)
            errors += answer.status >= 400
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(connections)))
    elapsed = time.perf_counter() - started
    nan = float("nan")
    return Load(len(samples), elapsed, percentile(samples, 50) if samples else nan,
                percentile(samples, 99) if samples else nan, errors, timeouts)


@dataclass
class Page:
    label: str
    path: str
    member: bool
    api: bool = False  # the member by their API token (Authorization: Bearer), not their session cookie

    def credentials(self, members: list[Member]) -> tuple[str, list[str]]:
        """(the header, its values to rotate over) that make a request this page's visitor's."""
        if self.api:
            return "Authorization", [f"Bearer {member.token}" for member in members] if self.member else []
        return "Cookie", [member.cookie for member in members] if self.member else []


async def sanity(port: int, pages: list[Page], members: list[Member]) -> None:
    """Every page answers 200, to a member as that member: a redirect would be counted as a success."""
    connection = Connection(port)
    for page in pages:
        header, values = page.credentials(members[:1])
        answer = await connection.request("GET", page.path.replace("__N__", "2"), {header: values[0]} if values else {})
        if answer.status != 200:
            raise RuntimeError(f"GET {page.path} answered {answer.status}: {answer.text[:300]}")
        if page.api and not (answer.header("content-type") or "").startswith("application/json"):
            raise RuntimeError(f"GET {page.path} did not answer JSON")
        if page.member and not page.api and 'action="/logout"' not in answer.text:
            raise RuntimeError(f"GET {page.path} did not render for the logged-in member")
    connection.close()


async def load_pages(run, port: int, pages: list[Page], members: list[Member], connections: int, seconds: int,
                     scripts: Path) -> None:
    solo_seconds = max(2, -(-seconds // 2))

    print(f"\n  At 1 connection ({solo_seconds:g} s each): p50 per page", flush=True)
    for page in pages:
        header, values = page.credentials(members)
        found = await run(port, page.path, values, 1, solo_seconds, scripts, header=header)
        report(page.label, f"p50 {_time(found.p50)}", check(found.p50 <= SOLO_P50_TARGET, "target <= 15 ms"),
               f"   (p99 {_time(found.p99)}, {found.rate:,.0f} req/s{_errors(found)})")

    print(f"\n  At {connections} connections ({seconds:g} s each), throughput as a share of /about's", flush=True)
    baseline = None
    for page in pages:
        drained = await settle(port)
        waited = f", after {drained:.0f} s of draining the load before" if drained > 3 else ""
        header, values = page.credentials(members)
        found = await run(port, page.path, values, connections, seconds, scripts, header=header)
        if baseline is None:
            baseline = found.rate
            report(page.label, f"{found.rate:,.0f} req/s",
                   extra=f"   (the baseline)   p50 {_time(found.p50)}, p99 {_time(found.p99)}{_errors(found)}")
            continue
        share = found.rate / baseline if baseline else 0.0
        report(page.label, f"{found.rate:,.0f} req/s",
               check(found.p99 <= P99_TARGET and not found.timeouts, "p99 <= 100 ms")
               + check(share >= SHARE_TARGET, f"{share:>4.0%} of /about >= 40 %"),
               f"   (p50 {_time(found.p50)}, p99 {_time(found.p99)}{_errors(found)}{waited})")
    await settle(port)
    again = await run(port, pages[0].path, [], connections, seconds, scripts)
    report(f"{pages[0].path} again, after the load", f"{again.rate:,.0f} req/s",
           extra=f"   ({again.rate / baseline:.0%} of the first: how steady the machine was)" if baseline else "")


async def settle(port: int, limit: float = 30.0) -> float:
    """Seconds until /about answers quickly again: the site goes on with the requests a load left in
    flight (wrk closes its connections, the handlers run on), and the next page must not pay for them."""
    connection, started, quick = Connection(port), time.perf_counter(), 0
    while quick < 3 and time.perf_counter() - started < limit:
        begun = time.perf_counter()
        with contextlib.suppress(OSError, ConnectionError, asyncio.TimeoutError, ValueError, IndexError):
            await connection.request("GET", "/about", timeout=limit)
        quick = quick + 1 if time.perf_counter() - begun < 0.020 else 0
    connection.close()
    return time.perf_counter() - started


def _errors(found: Load) -> str:
    parts = ([f"{found.errors:,} errors"] if found.errors else []) + (
        [f"{found.timeouts:,} time-outs"] if found.timeouts else [])
    return f", {', '.join(parts)}" if parts else ""


async def rating_under_concurrency(port: int, members: list[Member], pool: list[int]) -> None:
    """Each member rates RATING_ROUNDS movies it had not rated, one after the other, all members at once,
    as htmx does (HX-Request, X-CSRFToken); after each, the member's next page must show the rating."""
    samples: list[float] = []
    shown = failures = 0
    rating = 3.5

    async def one(member: Member) -> None:
        nonlocal shown, failures
        connection = Connection(port)
        todo = [movie for movie in pool if movie not in member.rated][:RATING_ROUNDS]
        for movie in todo:
            body = urlencode({"command_id": str(uuid.uuid4()), "rating": rating, "next": f"/movies/{movie}"})
            headers = {"Cookie": member.cookie, "HX-Request": "true", "X-CSRFToken": member.csrf,
                       "HX-Current-URL": f"http://127.0.0.1:{port}/movies/{movie}",
                       "Content-Type": "application/x-www-form-urlencoded"}
            begun = time.perf_counter()
            answer = await connection.request("POST", f"/movies/{movie}/rating", headers, body.encode())
            samples.append(time.perf_counter() - begun)
            if answer.status != 200:
                failures += 1
                print(f"    POST /movies/{movie}/rating answered {answer.status}: {answer.text[:200]!r}")
                continue
            member.rated[movie] = rating
            after = await connection.request("GET", f"/movies/{movie}", {"Cookie": member.cookie})
            shown += bool(re.search(rf'value="{rating}"\s+checked', after.text))
        connection.close()

    await settle(port)
    await asyncio.gather(*(one(member) for member in members))
    count = len(samples)
    report(f"rating a movie (htmx POST), {len(members)} members at once", f"p99 {_time(percentile(samples, 99))}",
           check(percentile(samples, 99) <= RATE_P99_TARGET and not failures, "target <= 50 ms"),
           f"   (p50 {_time(percentile(samples, 50))}, {count} POSTs{f', {failures} refused' if failures else ''})")
    report("read-your-writes: next page shows the rating", f"{shown}/{count}", check(shown == count, "all"))


def rss(pid: int) -> tuple[float, float]:
    """(resident, peak resident) in MB of ``pid``, from /proc."""
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parts = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(parts[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory(process: subprocess.Popen, synthetic: int) -> None:
    resident, peak = rss(process.pid)
    what = f"real catalog and {synthetic:,} synthetic ratings" if synthetic else "real catalog"
    report("web process RSS after the load", f"{resident:.0f} MB",
           check(resident <= RSS_TARGET, "target <= 400 MB"), f"   (peak {peak:.0f} MB; {what}, model loaded)")
    if others := descendants(process.pid):  # the other web processes of MYBIGMOVIE_WEB_PROCESSES
        each = [rss(pid)[0] for pid in others]
        report(f"  and its {len(others)} child process(es), in all", f"{sum(each):.0f} MB",
               check(max(each) <= RSS_TARGET, "each <= 400 MB"), f"   (largest {max(each):.0f} MB)")


# --- the run --------------------------------------------------------------------------------------

async def run(url: str, data: Path, seconds: int, connections: int, synthetic: int, work: Path,
              redis_url: str, load, web_processes: int) -> None:
    from mybigmovie import bootstrap
    from mybigmovie.settings import load_settings
    from projections.registry import Registry

    port = _free_port()
    env = {**os.environ, "MONGODB_URL": url, "MONGODB_DATABASE": DATABASE, "MYBIGMOVIE_VAR_DIR": str(work / "var"),
           "MYBIGMOVIE_HOST": "127.0.0.1", "MYBIGMOVIE_PORT": str(port), "MYBIGMOVIE_DATA_DIR": str(data),
           "SECRET_KEY": secrets.token_hex(32), "REDIS_URL": redis_url, "MYBIGMOVIE_WEB_PROCESSES": str(web_processes),
           # the 8 tokens make thousands of requests a second: counted in Redis as always, never refused
           "MYBIGMOVIE_API_REQUESTS_PER_MINUTE": str(10**9),
           # mail is not exercised: a port nobody listens on, and no local mailbox started by serve
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(_free_port())}
    os.environ.update({k: env[k] for k in ("MONGODB_DATABASE", "MYBIGMOVIE_VAR_DIR", "SECRET_KEY", "REDIS_URL",
                                           "SMTP_HOST", "SMTP_PORT", "MYBIGMOVIE_DATA_DIR")})
    async with fresh_store(url, DATABASE) as (_, database, store):
        await import_catalog(store, Registry(database), data, synthetic)
        train(env, bool(synthetic))
        async with bootstrap.services(load_settings(), url) as services:
            pool, (show_id, episodes, show_title) = await popular_titles(services)
            members = await make_members(services, pool)
        site = await start_site(env, port, work / "serve.log")
        try:
            await asyncio.gather(*(log_in(port, member) for member in members))
            movie = pool[0]
            pages = [Page("/about (minimal route, anonymous)", "/about", False),
                     Page("/ anonymous", "/", False),
                     Page("/ member", "/", True),
                     Page("/movies anonymous", "/movies", False),
                     Page("/movies member", "/movies", True),
                     Page("/shows member", "/shows", True),
                     Page("/me", "/me", True),
                     Page(f"/movies/{movie} member", f"/movies/{movie}", True),
                     Page(f"/shows/{show_id} member ({episodes} episodes)", f"/shows/{show_id}", True),
                     Page("/search?q=star member", "/search?q=star", True),
                     # The member's /movies again, at another URL each request (a parameter the page does not
                     # read): what it costs when web/page_cache.py has not kept it (after each rating, say).
                     Page("/movies member, never kept (?v=N)", "/movies?v=__N__", True),
                     Page("API /api/v1/movies (catalog, public)", "/api/v1/movies", False, api=True),
                     Page("API /api/v1/me/recommendations (token)", "/api/v1/me/recommendations", True, api=True)]
            await sanity(port, pages, members)
            print(f"  {web_processes} web process(es); pages as a member rotate over {len(members)} members' "
                  f"sessions; the show is {show_title!r}", flush=True)
            await load_pages(load, port, pages, members, connections, seconds, work)
            print(flush=True)
            await rating_under_concurrency(port, members, pool)
            memory(site, synthetic)
        finally:
            _stop(site, signal.SIGINT)


_interrupted = 0


def _interrupt(*_) -> None:
    """Ctrl+C or SIGTERM: the site, Redis and wrk are stopped at once and the run unwinds (the database
    is dropped, the temporary directory removed); a second one ends every process of ours right away."""
    global _interrupted
    _interrupted += 1
    if _interrupted > 1:
        for pid in descendants(os.getpid()):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os._exit(130)
    _stop_all()
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seconds", type=int, default=5, help="of load per page at --connections (half at 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk when installed (auto), or the asyncio client in this process")
    parser.add_argument("--web-processes", type=int, default=1, help="MYBIGMOVIE_WEB_PROCESSES of the site")
    parser.add_argument("--synthetic", default="0", help="also import a synthetic history: 1m, 25m or a number")
    args = parser.parse_args()
    from commands.importers.synthetic import SIZES
    synthetic = SIZES.get(args.synthetic) or int(args.synthetic)
    if not args.data.exists():
        print(f"no data at {args.data} (--data)", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # not asyncio.run's: a cancellation can be swallowed on the way
    if args.client == "wrk" and not shutil.which("wrk"):
        print("wrk is not installed: scripts/apt-install.sh wrk", file=sys.stderr)
        return 2
    wrk_version = ""
    if args.client != "python" and shutil.which("wrk"):
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" [")[0]
    print(f"Web benchmark on {machine()}")
    try:
        with tempfile.TemporaryDirectory(prefix="mybigmovie-web-bench-") as directory, \
                database_url() as (url, label), private_redis(Path(directory)) as (redis_url, redis_label):
            print(f"Database: {label}; Redis: {redis_label}; load: "
                  + (f"{wrk_version}, loopback" if wrk_version else
                     "asyncio client in this process (wrk: scripts/apt-install.sh wrk)"), flush=True)
            asyncio.run(run(url, args.data, args.seconds, args.connections, synthetic, Path(directory), redis_url,
                            wrk if wrk_version else python_load, args.web_processes))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        _stop_all()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n  targets met: {sum(_verdicts)} of {len(_verdicts)}   (load avg at the end {load})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
