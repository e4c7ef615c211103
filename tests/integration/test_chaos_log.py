"""Chaos on the log (issue 9): what was acknowledged survives kill -9, and a replay under load misses nothing.

1. Writer processes (through CommandHandlers) and a real web process (through HTTP POSTs) append mixed
   events for many members, each recording every command it sent and every acknowledgement it got, to
   a file flushed after each line. The database server is killed with SIGKILL three times (restarted
   on its data and port), a writer process once, the web process once. Afterwards the log holds every
   acknowledged command's events exactly once, at the acknowledged position, with no gap in positions
   or stream versions, nothing no one sent, and each member's stream folds to what their commands say.
2. ``replay`` rebuilds the member read models while members keep rating and a live runner (as in a web
   process) keeps the old generations current; the registry's pointer never moves back, and once the
   writers stop the new generations equal a fold of the whole log computed here.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
import msgspec
import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from domain import accounts
from domain import events as e
from domain.accounts import Account, Stamp, new_user_id, stream_for
from mybigmovie import bootstrap
from mybigmovie.embedded import EmbeddedMongo
from mybigmovie.passwords import HashGate, Passwords
from projections.catalog_port import ReadModelCatalog
from projections.daemon import Projector
from projections.ratings_matrix import RatingsMatrixProjection
from projections.registry import Generation, Registry
from projections.replay import replay
from projections.user_profiles import UserProfiles
from tests.e2e.test_browser import ROOT, _free_port, _wait_until_up
from tests.integration.web_harness import REDIS_URL, Movie, form, movie_listed, seed, web_settings
from tests.members import PASSWORD, new_member

pytestmark = pytest.mark.slow

MOVIES = list(range(1, 31))
SHOW = 944947
WEB_EMAIL = "web@example.org"


@dataclass
class Known:
    """What a member's acknowledged commands should have left: the test's own model of the commands,
    used by the writers to pick commands that always change something, and by the checks."""

    ratings: dict[int, float] = field(default_factory=dict)
    not_seen: set[int] = field(default_factory=set)
    shows: set[int] = field(default_factory=set)

    def next_command(self, user: str, rng: random.Random, web: bool = False) -> m.Command:
        movie, command_id = rng.choice(MOVIES), str(uuid.uuid4())
        roll = rng.random()
        if self.ratings and roll < 0.2:
            return m.RemoveMovieRating(command_id=command_id, user_id=user, movie_id=rng.choice(list(self.ratings)))
        if not web and roll < 0.4 and movie not in self.ratings:
            return m.MarkNotSeen(command_id=command_id, user_id=user, movie_id=movie, marked=movie not in self.not_seen)
        if not web and roll < 0.5:
            return m.RateShow(command_id=command_id, user_id=user, show_id=SHOW, rating=rng.randrange(1, 11) / 2)
        rating = rng.choice([r / 2 for r in range(1, 11) if r / 2 != self.ratings.get(movie)])
        return m.RateMovie(command_id=command_id, user_id=user, movie_id=movie, rating=rating)

    def apply(self, command: m.Command) -> None:
        match command:
            case m.RateMovie():
                self.ratings[command.movie_id] = command.rating
                self.not_seen.discard(command.movie_id)
            case m.RemoveMovieRating():
                self.ratings.pop(command.movie_id, None)
            case m.MarkNotSeen():
                (self.not_seen.add if command.marked else self.not_seen.discard)(command.movie_id)
            case m.RateShow():
                self.shows.add(command.show_id)

    @classmethod
    def of(cls, account: Account) -> "Known":
        return cls(dict(account.ratings), set(account.not_seen), set(account.show_ratings))


class Record:
    """One writer's journal: a line when a command is sent, another when it is acknowledged, each
    flushed at once so that a writer killed with SIGKILL leaves every acknowledgement it got."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", buffering=1)

    def write(self, **entry) -> None:
        self.file.write(json.dumps(entry) + "\n")
        self.file.flush()

    def sent(self, user: str, command: m.Command) -> None:
        self.write(sent=command.command_id, user=user, type=type(command).__name__, fields=msgspec.to_builtins(command),
                   at=time.time())

    def acked(self, command: m.Command, position: int | None, attempts: int) -> None:
        self.write(ack=command.command_id, position=position, attempts=attempts, at=time.time())


async def until_acked(handlers: CommandHandlers, record: Record, user: str, command: m.Command,
                      deadline: float) -> int:
    """Send the command until it is acknowledged: the same command id each time, as a resent form."""
    record.sent(user, command)
    for attempt in range(1, 100_000):
        try:
            position = await handlers.handle(command)
        except PyMongoError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
            continue
        record.acked(command, position, attempt)
        return position
    raise AssertionError("unreachable")


def _handlers(database) -> CommandHandlers:
    return CommandHandlers(MongoEventStore(database), ReadModelCatalog(Registry(database)), MongoKeyring(database),
                           Passwords(HashGate(limit=1)).hash)


# --- 1. kill -9 ---------------------------------------------------------------------------------------------


async def member_writer(handlers: CommandHandlers, record: Record, stop: Path, name: str, rng: random.Random,
                        deadline: float) -> None:
    members: dict[str, Known] = {}
    while not stop.exists():
        if not members or (len(members) < 8 and rng.random() < 0.08):
            command_id, email = str(uuid.uuid4()), f"{name}-{len(members)}@example.org"
            user = new_user_id(command_id, email)
            await until_acked(handlers, record, user, m.SignUp(command_id=command_id, email=email, password=PASSWORD,
                                                               display_name=name), deadline)
            await until_acked(handlers, record, user, m.VerifyEmail(command_id=str(uuid.uuid4()), user_id=user,
                                                                    email_version=1), deadline)
            members[user] = Known()
            continue
        user = rng.choice(list(members))
        command = members[user].next_command(user, rng)
        await until_acked(handlers, record, user, command, deadline)
        members[user].apply(command)


def _write_in_process(url: str, database: str, path: str, stop: str, name: str, seed: int) -> None:
    async def main() -> None:
        client = AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=1000)
        deadline = time.monotonic() + 100  # never outlive a broken test run
        record = Record(Path(path))
        await asyncio.gather(*(member_writer(_handlers(client[database]), record, Path(stop), f"{name}.{i}",
                                             random.Random(seed * 10 + i), deadline) for i in range(3)))

    asyncio.run(main())


class Site:
    """``mybigmovie serve`` (one web process, no workers) on a fixed port, to be killed and started again."""

    def __init__(self, settings, url: str, tmp_path: Path, smtp_port: int) -> None:
        self.base, self.tmp_path = f"http://127.0.0.1:{settings.port}", tmp_path
        self.env = {**os.environ, "MONGODB_URL": url, "MONGODB_DATABASE": settings.database,
                    "MYBIGMOVIE_PORT": str(settings.port), "MYBIGMOVIE_VAR_DIR": str(tmp_path),
                    "SECRET_KEY": settings.secret_key, "REDIS_URL": REDIS_URL, "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": str(smtp_port), "MYBIGMOVIE_WEB_PROCESSES": "1"}
        self.process: subprocess.Popen | None = None

    async def start(self) -> None:
        log = open(self.tmp_path / "server.log", "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "mybigmovie.cli", "serve", "--no-workers"], cwd=ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        await _wait_until_up(self.base, self.process, self.tmp_path / "server.log", timeout=60)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


async def rate_over_http(site: Site, email: str, user: str, record: Record, stop: asyncio.Event) -> None:
    """A member rating movies through the web site; a 303 back to the movie is the acknowledgement."""
    rng, known = random.Random(99), Known()
    async with httpx.AsyncClient(base_url=site.base, timeout=20, headers={"Connection": "close"}) as client:
        page = await client.get("/login")
        assert (await client.post("/login", data=form(page.text, "/login") | {"email": email, "password": PASSWORD})
                ).status_code == 303
        fields = form((await client.get(f"/movies/{MOVIES[0]}")).text, f"/movies/{MOVIES[0]}/rating")
        while not stop.is_set():
            command = known.next_command(user, rng, web=True)
            removes = isinstance(command, m.RemoveMovieRating)
            path = f"/movies/{command.movie_id}/rating" + ("/delete" if removes else "")
            data = fields | {"command_id": command.command_id, "next": f"/movies/{command.movie_id}",
                             "rating": str(getattr(command, "rating", ""))}
            record.sent(user, command)
            for attempt in range(1, 1000):
                try:
                    answer = await client.post(path, data=data)
                except httpx.TransportError:  # the web process is down, or was killed mid-request
                    await asyncio.sleep(0.1)
                    continue
                if answer.status_code == 303:
                    assert answer.headers["location"] == f"/movies/{command.movie_id}", answer.headers
                    record.acked(command, None, attempt)
                    break
                assert answer.status_code == 503, (answer.status_code, answer.text[:2000])
                await asyncio.sleep(0.1)
            known.apply(command)


def read_records(directory: Path) -> tuple[list[dict], dict[str, dict]]:
    """Every command sent (in order) and every acknowledgement (by command id) in the journals."""
    sent, acks = [], {}
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # a line cut short by SIGKILL: never an acknowledgement that was given
            entry = json.loads(line) | {"journal": path.stem}
            if "sent" in entry:
                sent.append(entry)
            else:
                acks[entry["ack"]] = entry
    return sent, acks


async def acks_after(directory: Path, since: float, count: int, journal: str | None = None, timeout: float = 45):
    for _ in range(int(timeout * 10)):
        _, acks = read_records(directory)
        if sum(a["at"] > since and journal in (None, a["journal"]) for a in acks.values()) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {count} acknowledgements{' from ' + journal if journal else ''} after a kill")


async def whole_log(store: MongoEventStore):
    log, after = [], 0
    while page := await store.read_all(after=after, limit=1000):
        log += page
        after = page[-1].position
    return log


def command_of(entry: dict) -> m.Command:
    return msgspec.convert(entry["fields"], getattr(m, entry["type"]))


def check_log(log, sent: list[dict], acks: dict[str, dict], head: int, may_be_cut: set[str]) -> tuple[Counter, dict]:
    """Every acknowledged command in once, at its position; nothing no one sent; no gaps. Returns counts,
    and each member's commands in the order sent (with whether they landed)."""
    # positions 1..head with no gap (read_all stops at one), each event once, versions gap-free per stream
    assert [r.position for r in log] == list(range(1, head + 1))
    assert not [i for i, n in Counter(r.event.event_id for r in log).items() if n > 1]
    versions = defaultdict(list)
    for recorded in log:
        versions[recorded.event.stream].append(recorded.version)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    position_of = {r.event.event_id: r.position for r in log}
    owner: dict[str, str] = {}  # event id -> command id, for every command anybody sent
    counts, by_user = Counter(), defaultdict(list)
    for entry in sent:
        stamp = Stamp(stream_for(entry["user"]), entry["sent"], datetime.now(timezone.utc))
        ids = [stamp.event_id(i) for i in range(3)]
        owner |= {event_id: entry["sent"] for event_id in ids}
        landed = [i for i in ids if i in position_of]
        ack = acks.get(entry["sent"])
        by_user[entry["user"]].append((entry, bool(landed)))
        if ack is None:
            # only a writer killed mid-command may leave one unacknowledged, and only as its member's last
            assert entry["journal"] in may_be_cut, f"never acknowledged: {entry}"
            counts["unacknowledged (writer killed)"] += 1
            counts["  of which in the log"] += bool(landed)
            continue
        assert landed, f"ACKNOWLEDGED BUT MISSING from the log: {entry} {ack}"
        if ack["position"] is not None:
            assert position_of[landed[-1]] == ack["position"], (entry, ack)
        counts["acknowledged"] += 1
        counts["acknowledged after a retry"] += ack["attempts"] > 1
    strays = [r for r in log if r.event.stream.startswith("user-") and r.event.event_id not in owner]
    assert not strays, f"events no command sent: {strays[:3]}"
    for user, commands in by_user.items():
        assert all(acks.get(entry["sent"]) for entry, _ in commands[:-1]), f"{user}: a gap in its acknowledgements"
    return counts, by_user


def check_members(log, by_user: dict) -> int:
    """Each member's stream folds to what their commands (acknowledged, or cut short but landed) say."""
    streams = defaultdict(list)
    for recorded in log:
        streams[recorded.event.stream].append(recorded.event)
    for user, commands in by_user.items():
        known = Known()
        for entry, landed in commands:
            if landed:
                known.apply(command_of(entry))
        account = Account.from_events(user, streams[stream_for(user)])
        assert (account.ratings, account.not_seen, account.show_ratings) == (known.ratings, known.not_seen,
                                                                             known.shows), user
    return len(by_user)


def kill_database(server: EmbeddedMongo) -> None:
    """kill -9, as a crash or the OOM killer would; stop() then only reaps it (its pid file is stale)."""
    os.kill(int((server.data_dir / f"nx-27017-{server.port}.pid").read_text()), signal.SIGKILL)
    server.stop()


@pytest.mark.skipif(bool(os.environ.get("MONGODB_URL")), reason=(
    "kills its database server with SIGKILL, so it runs its own embedded nx-27017; a MongoDB named by "
    "MONGODB_URL is shared and is not this test's to kill"))
async def test_kill_9_of_the_database_a_writer_and_the_web_loses_no_acknowledged_event(tmp_path, smtp_inbox):
    # given nx-27017 on a data directory, a catalog, three writer processes and a web process appending
    started = time.monotonic()
    server = EmbeddedMongo(tmp_path / "db")
    url = server.start()
    settings = web_settings("chaos", tmp_path, port=_free_port(), smtp_port=smtp_inbox.port)
    journals, stop_file = tmp_path / "journals", tmp_path / "stop"
    journals.mkdir()
    site, writers, kills = Site(settings, url, tmp_path, smtp_inbox.port), [], []  # kills: (what, killed at, back at)
    web_record = Record(journals / "web.jsonl")
    try:
        web_user = await catalog_and_web_member(settings, url, web_record)
        spawn = multiprocessing.get_context("spawn")
        writers = [spawn.Process(target=_write_in_process, args=(url, "chaos", str(journals / f"writer{n}.jsonl"),
                                                                 str(stop_file), f"w{n}", n)) for n in range(3)]
        for writer in writers:
            writer.start()
        await site.start()
        stop_web = asyncio.Event()
        web = asyncio.create_task(rate_over_http(site, WEB_EMAIL, web_user, web_record, stop_web))
        try:
            await acks_after(journals, 0, 40)
            await acks_after(journals, 0, 3, journal="web")

            # when the database is killed three times, a writer once and the web process once, mid-write
            async def database_killed() -> None:
                killed = time.time()
                kill_database(server)
                await asyncio.sleep(0.5)
                server.start(port=server.port)
                kills.append(("database", killed, time.time()))
                await acks_after(journals, kills[-1][2], 20)

            await database_killed()
            writers[0].kill()
            kills.append(("writer0", time.time(), time.time()))
            await acks_after(journals, kills[-1][2], 20)
            await database_killed()
            killed = time.time()
            site.kill()
            await site.start()
            kills.append(("web", killed, time.time()))
            await acks_after(journals, kills[-1][2], 3, journal="web")
            await database_killed()
            await acks_after(journals, kills[-1][2], 3, journal="web")
        finally:
            stop_file.touch()
            stop_web.set()
            await asyncio.wait_for(web, 60)
            for writer in writers:
                writer.join(60)
        assert [w.exitcode for w in writers] == [-signal.SIGKILL, 0, 0]
        # (and once more, with nobody writing: what a restart finds is what is read below)
        kill_database(server)
        server.start(port=server.port)
        async with bootstrap.services(settings, server.url) as services:
            log, head = await whole_log(services.store), await services.store.head()
    finally:
        for writer in writers:
            writer.kill()
        site.kill()
        server.stop()
        web_record.file.close()

    # then the log holds every acknowledged command exactly once, and each member's stream adds up
    sent, acks = read_records(journals)
    counts, by_user = check_log(log, sent, acks, head, may_be_cut={"writer0"})
    members = check_members(log, by_user)
    ack_times = [a["at"] for a in acks.values()]
    # per kill: commands sent before it and acknowledged only once a new process stood in for the killed one
    # (a restart takes over 0.5 s; "back" itself is taken late: a writer's retry may beat start() to the server)
    cut = []
    for what, killed, back in kills:  # each kill came mid-write: acknowledgements just before and after it
        assert any(killed - 2 < t < killed for t in ack_times) and any(t > back for t in ack_times), what
        cut.append(sum(s["at"] < killed and s["sent"] in acks and acks[s["sent"]]["at"] > killed + 0.5 for s in sent))
    assert all(cut[i] for i, (what, _, _) in enumerate(kills) if what != "writer0"), list(zip(kills, cut))
    assert counts["unacknowledged (writer killed)"] >= 1  # the writer was killed with commands in flight
    web_acks = sum(a["journal"] == "web" for a in acks.values())
    t0 = kills[0][1]
    print(f"\nkill -9 timeline (s from the first kill): "
          f"{[(what, round(k - t0, 1), round(b - t0, 1)) for what, k, b in kills]}, ended {time.time() - t0:.1f}")
    print(f"kill -9: {len(kills)} kills ({', '.join(k[0] for k in kills)}), commands in flight across each: "
          f"{cut}; {head} events in the log, {members} members, {web_acks} acknowledged over HTTP, "
          f"{dict(counts)}, {time.monotonic() - started:.1f} s")


async def catalog_and_web_member(settings, url: str, record: Record) -> str:
    """List the movies and a show, and sign up the member who will rate over HTTP; their user id."""
    async with bootstrap.services(settings, url) as services:
        await seed(services, [movie_listed(Movie(i, f"Movie {i}", 2000, ("Drama",))) for i in MOVIES]
                   + [e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test",
                                   occurred_at=datetime.now(timezone.utc), show_id=SHOW, title="A Show",
                                   imdb_id=f"tt{SHOW:07d}")])
        command_id = str(uuid.uuid4())
        user = new_user_id(command_id, WEB_EMAIL)
        for command in (m.SignUp(command_id=command_id, email=WEB_EMAIL, password=PASSWORD, display_name="Web"),
                        m.VerifyEmail(command_id=str(uuid.uuid4()), user_id=user, email_version=1)):
            await until_acked(services.handlers, record, user, command, time.monotonic() + 10)
        await services.projector.run_once()  # their profile (what logging in reads) is there before the site starts
    return user


# --- 2. replay under load -----------------------------------------------------------------------------------


async def rated_history(store: MongoEventStore, user: str, rng: random.Random, events: int) -> Known:
    """A member's past: ``events`` decisions of the domain, appended in commits of 50 (fast to lay down)."""
    stream = stream_for(user)
    recorded = await store.read_stream(stream)
    account, batch = Account.from_events(user, [r.event for r in recorded]), []
    while len(batch) < events:
        stamp, movie = Stamp(stream, uuid.uuid4().hex, datetime.now(timezone.utc)), rng.choice(MOVIES)
        roll = rng.random()
        if roll < 0.15:
            decided = accounts.remove_movie_rating(account, stamp, movie)
        elif roll < 0.3 and movie not in account.ratings:
            decided = accounts.set_not_seen(account, stamp, movie, True, True)
        else:
            decided = accounts.rate_movie(account, stamp, movie, rng.randrange(1, 11) / 2, True)
        for event in decided:
            account.apply(event)
        batch += decided
    for i in range(0, len(batch), 50):
        await store.append(stream, len(recorded) + i, batch[i:i + 50])
    return Known.of(account)


async def rate_until(handlers: CommandHandlers, user: str, known: Known, rng: random.Random, stop: asyncio.Event,
                     acked: list[int]) -> None:
    while not stop.is_set():
        command = known.next_command(user, rng)
        if not isinstance(command, m.RateShow):
            acked.append(await handlers.handle(command))
            known.apply(command)


async def sample_pointers(registry: Registry, names: list[str], stop: asyncio.Event, samples: dict) -> None:
    while not stop.is_set():
        for name, generation in (await registry.active_all(names)).items():
            samples[name].append((generation.collection, generation.checkpoint))
        await asyncio.sleep(0.002)


def fold(log) -> tuple[dict[str, dict[int, float]], dict[str, set[int]]]:
    """Each member's ratings and not-seen marks, straight from the events."""
    ratings, not_seen = defaultdict(dict), defaultdict(set)
    for recorded in log:
        match recorded.event:
            case e.MovieRated() | e.MovieRatingChanged() as event:
                ratings[event.user_id][event.movie_id] = event.rating
            case e.MovieRatingRemoved() as event:
                ratings[event.user_id].pop(event.movie_id, None)
            case e.MarkedNotSeen() as event:
                not_seen[event.user_id].add(event.movie_id)
            case e.NotSeenUnmarked() as event:
                not_seen[event.user_id].discard(event.movie_id)
    return ratings, not_seen


def _replay_in_process(url: str, database: str, result: str) -> None:
    """``replay`` as an operator runs it: a process of its own beside the serving ones."""
    async def main() -> None:
        client = AsyncMongoClient(url, tz_aware=True)
        store = MongoEventStore(client[database])
        head_before = await store.head()
        began = time.monotonic()
        rebuilt = await replay(store, Registry(client[database]), [UserProfiles(), RatingsMatrixProjection()])
        Path(result).write_text(json.dumps({"seconds": time.monotonic() - began, "head_before": head_before,
                                            "head_after": await store.head(),
                                            "rebuilt": {n: [g.collection, g.checkpoint] for n, g in rebuilt.items()}}))
        await client.close()

    asyncio.run(main())


async def test_replay_while_members_rate_misses_nothing_and_never_moves_the_pointer_back(database, mongo_url,
                                                                                          tmp_path):
    # given members with a history of 6,000 events, a catalog, and a live runner serving generation 1
    started = time.monotonic()
    store, registry = MongoEventStore(database), Registry(database)
    await store.create_indexes()
    keyring = MongoKeyring(database)
    await keyring.create_indexes()
    handlers = CommandHandlers(store, ReadModelCatalog(registry), keyring, Passwords(HashGate()).hash)
    await store.append("catalog-test", None, [movie_listed(Movie(i, f"Movie {i}", 2000, ("Drama",))) for i in MOVIES])
    rng = random.Random(5)
    users = await asyncio.gather(*(new_member(handlers, f"m{i}@example.org", f"M{i}") for i in range(12)))
    known = {user: await rated_history(store, user, rng, 500) for user in users}
    names = [UserProfiles.name, RatingsMatrixProjection.name]
    projector = Projector(store, registry, bootstrap.all_projections())
    await projector.run_once()
    old = {name: (await registry.active(name)).collection for name in names}
    stop_writers, stop_watching, acked = asyncio.Event(), asyncio.Event(), []
    samples: dict[str, list] = {name: [] for name in names}
    runner = asyncio.create_task(projector.run_forever(poll_seconds=0.05))  # as in every web process
    watcher = asyncio.create_task(sample_pointers(Registry(database), names, stop_watching, samples))
    writers = [asyncio.create_task(rate_until(handlers, user, known[user], random.Random(i), stop_writers, acked))
               for i, user in enumerate(users)]
    try:
        # when replay rebuilds the member read models, in a process of its own, while the members keep rating
        replaying = multiprocessing.get_context("spawn").Process(
            target=_replay_in_process, args=(mongo_url, database.name, str(tmp_path / "replay.json")))
        replaying.start()
        while replaying.is_alive():
            await asyncio.sleep(0.05)
        assert replaying.exitcode == 0
        await asyncio.sleep(1.0)
    finally:
        stop_writers.set()
        await asyncio.gather(*writers)
    head = await store.head()
    for _ in range(200):  # the live runner catches up on the new generations
        if all(g.checkpoint == head for g in (await registry.active_all(names)).values()):
            break
        await asyncio.sleep(0.05)
    stop_watching.set()
    await watcher
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    result = json.loads((tmp_path / "replay.json").read_text())
    rebuilt = {name: Generation(name, *result["rebuilt"][name]) for name in names}
    during = sum(result["head_before"] < position <= result["head_after"] for position in acked)

    # then the new generations serve, caught up, equal to a fold of the whole log and to what was acknowledged
    assert during >= 20, f"the writers appended only {during} commands during the replay"
    log = await whole_log(store)
    ratings, not_seen = fold(log)
    for name in names:
        serving = await registry.active(name)
        assert serving.collection == rebuilt[name].collection != old[name] and serving.checkpoint == head
        assert old[name] not in await database.list_collection_names()
    profiles = {d["_id"]: d async for d in database[rebuilt[UserProfiles.name].collection].find()}
    chunks = {d["_id"]: d async for d in database[rebuilt[RatingsMatrixProjection.name].collection].find()}
    for user in users:
        assert ratings[user] == known[user].ratings and not_seen[user] == known[user].not_seen
        assert profiles[user]["ratings"] == {str(k): v for k, v in ratings[user].items()}
        assert set(profiles[user]["not_seen"]) == not_seen[user]
        assert {int(k): v[0] for k, v in chunks[f"u:{user}"]["ratings"].items()} == ratings[user]
    # and during the run the pointer went from the old generation to the new one once, never backwards
    old_reached = {}
    for name in names:
        collections = [c for i, (c, _) in enumerate(samples[name]) if i == 0 or samples[name][i - 1][0] != c]
        assert collections == [old[name], rebuilt[name].collection], collections
        went_back = [(a, b) for a, b in zip(samples[name], samples[name][1:]) if b[1] < a[1]]
        assert not went_back, (f"{name}: the active pointer moved back: {went_back[:3]} (the switch wrote a checkpoint "
                               f"older than the one a live runner had meanwhile saved on the old generation)")
        # (the switch itself wrote rebuilt.checkpoint: a live runner may have moved the new one on before a sample)
        old_reached[name] = max(checkpoint for collection, checkpoint in samples[name] if collection == old[name])
        assert rebuilt[name].checkpoint >= old_reached[name], (
            f"{name}: switched at {rebuilt[name].checkpoint}, behind the old generation's {old_reached[name]}")
        assert samples[name][-1][1] == head
    moved = {name: len({c for collection, c in samples[name] if collection == old[name]
                        and c > result["head_before"]}) for name in names}  # the old generations kept current meanwhile
    print(f"\nreplay under load: {result['head_before']} events before, {result['head_after'] - result['head_before']}"
          f" appended during the {result['seconds']:.2f} s replay ({during} commands), {head} at the end, "
          f"{sum(map(len, samples.values()))} pointer samples; old generations' checkpoints moved {moved} times "
          f"during the replay; switched at {[rebuilt[n].checkpoint for n in names]}, old ones last seen at "
          f"{list(old_reached.values())}; {time.monotonic() - started:.1f} s")
