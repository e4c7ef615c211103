"""Chaos for the picks e-mails, counted rather than sampled: worker processes SIGKILLed again and again
while thousands of mailings go to a slow SMTP server; three schedulers killed and Redis taken away
across Monday 08:00. Real processes, real Redis, a real SMTP server on loopback.

MYBIGMOVIE_CHAOS_SCALE multiplies the amounts (``bench/mail_soak.py`` runs a longer soak with it).
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from dramatiq import Message

from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from domain import events as e
from domain import mailings
from projections.catalog_port import ReadModelCatalog
from projections.daemon import Projector
from projections.movies import Movies
from projections.registry import Registry
from projections.user_profiles import UserProfiles
from tests.members import new_member
from tests.servers import RedisServer, free_port
from workers.broker import make_broker

ROOT = Path(__file__).resolve().parents[2]
SCALE = float(os.environ.get("MYBIGMOVIE_CHAOS_SCALE", "1"))
# Enough movies that no member runs out of picks: an e-mail leaves out what earlier ones sent.
TITLES = {i: f"Movie {i}" for i in range(1, 41)}
pytestmark = pytest.mark.slow


class SlowInbox:
    """An SMTP server that takes ``delay`` seconds to accept each message, and counts what it accepted."""

    def __init__(self, delay: float) -> None:
        self.delay, self.received = delay, []  # (Message-ID, To, Subject), in the order accepted

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((message["Message-ID"], message["To"], message["Subject"]))
        return "250 OK"

    def ids(self, subject: str = "") -> Counter:
        return Counter(mid for mid, _, subj in list(self.received) if subject in subj)


class Processes:
    """Processes of one kind (workers, schedulers), each in a process group of its own, so a SIGKILL
    takes its children (Dramatiq's worker processes) with it."""

    def __init__(self, module: str, env: dict, logs: Path) -> None:
        self.module, self.env, self.logs = module, env, logs
        self.running: list[subprocess.Popen] = []
        self.started = self.kills = 0

    def start(self, extra_env: dict | None = None) -> None:
        self.started += 1
        log = open(self.logs / f"{self.module}-{self.started}.log", "wb")
        self.running.append(subprocess.Popen([sys.executable, "-m", self.module], cwd=ROOT, env=self.env | (extra_env or {}),
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def kill_one(self) -> None:
        victim = self.running.pop(random.randrange(len(self.running)))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        self.kills += 1

    def stop_all(self) -> None:
        for process in self.running:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
        self.running.clear()


async def catalog_and_members(database, count: int) -> list[str]:
    """Forty listed movies and ``count`` confirmed members, projected."""
    store = MongoEventStore(database)
    await store.create_indexes()
    registry = Registry(database)
    now = datetime.now(timezone.utc)
    await store.append("movies-test", 0, [
        e.MovieListed(event_id=uuid.uuid4().hex, stream="movies-test", occurred_at=now, movie_id=i, title=t,
                      year=1990 + i, reference=e.RatingSummary(count=1000 * i, mean=3.0 + (i % 10) / 5, source="test"))
        for i, t in TITLES.items()])
    keyring = MongoKeyring(database)
    await keyring.create_indexes()

    async def hash_password(password: str) -> str:
        return "hash"
    handlers = CommandHandlers(store, ReadModelCatalog(registry), keyring, hash_password=hash_password)
    members: list[str] = []
    for start in range(0, count, 25):
        members += await asyncio.gather(*(new_member(handlers, f"m{i}@example.org", f"Member {i}")
                                          for i in range(start, min(count, start + 25))))
    await Projector(store, registry, [Movies(), UserProfiles()]).run_once()
    return members


def site_env(mongo_url: str, database, redis_url: str, namespace: str, smtp_port: int, var_dir: Path) -> dict:
    return os.environ | {
        "MONGODB_URL": mongo_url, "MONGODB_DATABASE": database.name, "REDIS_URL": redis_url,
        "MYBIGMOVIE_QUEUE_NAMESPACE": namespace, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
        "MYBIGMOVIE_VAR_DIR": str(var_dir), "SITE_URL": "http://mybigmovie.test",
        # a dead worker's lease and heartbeats run out in seconds here, not minutes
        "MYBIGMOVIE_MAIL_LEASE_SECONDS": "4", "MYBIGMOVIE_QUEUE_HEARTBEAT_MS": "2000",
        "MYBIGMOVIE_QUEUE_MAINTENANCE_CHANCE": "200000"}


async def mailing_streams(store: MongoEventStore) -> dict[str, list[e.Event]]:
    """Every mailing stream's events, from one pass over the log."""
    streams: dict[str, list[e.Event]] = defaultdict(list)
    after = 0
    while page := await store.read_all(after=after, limit=5000):
        for recorded in page:
            if recorded.event.stream.startswith("mailing-"):
                streams[recorded.event.stream].append(recorded.event)
        after = page[-1].position
    return streams


# An attempt that gave up waiting for the SMTP server's answer (its time-out, or the connection lost)
# cannot know whether the message went through: the server may have accepted it just before.
_UNANSWERED = re.compile(r"^(TimeoutError|SMTP\w*TimeoutError|SMTPServerDisconnected|ConnectionResetError)\b")


def cut_short(events: list[e.Event]) -> int:
    """How many attempts of a mailing ended without knowing whether the server took the message: claims
    followed by another claim with no outcome between (a worker died holding it), and failures that
    were a time-out or a lost connection (the answer to the message never came)."""
    count, open_claim = 0, False
    for event in events:
        if isinstance(event, e.MailingClaimed):
            count += open_claim
            open_claim = True
        elif isinstance(event, (e.PicksEmailed, e.MailingFailed, e.MailingSkipped)):
            count += isinstance(event, e.MailingFailed) and bool(_UNANSWERED.match(event.error))
            open_claim = False
    return count


@pytest.fixture
def smtp():
    inbox = SlowInbox(delay=0.025)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


async def test_workers_killed_again_and_again_lose_no_mail(database, mongo_url, smtp, tmp_path):
    members = await catalog_and_members(database, int(400 * SCALE))
    weeks = [f"2026-W{w}" for w in range(40, 45)]  # five weeks each: 2,000 mailings
    namespace = f"mybigmovie-chaos-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    broker = make_broker(redis_url, namespace)
    workers = Processes("workers.run_worker", site_env(mongo_url, database, redis_url, namespace, smtp.port, tmp_path),
                        tmp_path)
    expected = {mailings.message_id(user, week, "mybigmovie.test"): (user, week) for user in members for week in weeks}
    try:
        for _ in range(3):
            workers.start()
        for user in members:
            for week in weeks:
                broker.enqueue(Message(queue_name="default", actor_name="send_picks", args=(user, week), kwargs={},
                                       options={}))
        started = time.monotonic()
        # kill a worker every two to four seconds until three quarters have gone out; then let them finish
        while len(smtp.ids()) < 0.75 * len(expected) and time.monotonic() - started < 240 * SCALE:
            await asyncio.sleep(random.uniform(2.0, 4.0))
            workers.kill_one()
            workers.start()
        store = MongoEventStore(database)
        while time.monotonic() - started < 300 * SCALE:
            streams = await mailing_streams(store)
            recorded = sum(any(isinstance(x, e.PicksEmailed) for x in events) for events in streams.values())
            if recorded == len(expected) and set(smtp.ids()) >= expected.keys():
                break
            await asyncio.sleep(2)
        elapsed = time.monotonic() - started
    finally:
        workers.stop_all()
        broker.flush_all()
        broker.client.close()

    received = smtp.ids()
    duplicates = {mid: n - 1 for mid, n in received.items() if n > 1}
    crashed = sum(cut_short(events) for events in streams.values())
    logs = "".join(path.read_text(errors="replace") for path in tmp_path.glob("workers.run_worker-*.log"))
    windows = sorted(float(ms) for ms in re.findall(r"recorded ([\d.]+) ms after the SMTP server accepted", logs))
    print(f"\n{len(expected)} mailings, {workers.kills} workers killed, {sum(received.values())} messages accepted, "
          f"{sum(duplicates.values())} duplicates, {crashed} attempts cut short, {elapsed:.0f} s; the duplicate "
          f"window (accepted → recorded) p50 {windows[len(windows) // 2]:.1f} ms, "
          f"p99 {windows[int(len(windows) * 0.99)]:.1f} ms, max {windows[-1]:.1f} ms")
    # every (member, week) delivered, with the Message-ID its mailing planned; nothing foreign sent
    assert set(received) == set(expected), f"missing: {len(set(expected) - set(received))}"
    # each mailing recorded as sent exactly once
    for stream, events in streams.items():
        assert sum(isinstance(x, e.PicksEmailed) for x in events) == 1, stream
    # the kills hit mid-send (the test did what it says), and every duplicate is one of the window's:
    # its mailing has an attempt cut short by a death (or left unanswered: a loaded machine), and no
    # more duplicates than such attempts
    assert workers.kills >= 5 and crashed >= 1
    for mid, extra in duplicates.items():
        user, week = expected[mid]
        assert cut_short(streams[mailings.mailing_stream(user, week)]) >= extra, mid


async def test_three_schedulers_killed_across_monday_eight_with_redis_down_mail_everyone_once(database, mongo_url,
                                                                                              tmp_path):
    members = await catalog_and_members(database, int(50 * SCALE))
    inbox = SlowInbox(delay=0)
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    redis = RedisServer(tmp_path)  # our own: this test takes it away
    redis.start()
    monday_eight = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)  # 2026-W50
    # the schedulers' clock says 07:59:50 now: Monday 08:00 comes in ten seconds
    offset = (monday_eight - timedelta(seconds=10) - datetime.now(timezone.utc)).total_seconds()
    env = site_env(mongo_url, database, redis.url, "mybigmovie", smtp_port, tmp_path)
    schedulers = Processes("workers.scheduler", env | {
        "MYBIGMOVIE_CLOCK_OFFSET_SECONDS": str(offset), "MYBIGMOVIE_SCHEDULER_TICK_SECONDS": "0.5",
        "MYBIGMOVIE_WEEKLY_RESUME_SECONDS": "4", "MYBIGMOVIE_SWEEP_AFTER_SECONDS": "3"}, tmp_path)
    workers = Processes("workers.run_worker", env, tmp_path)
    store = MongoEventStore(database)

    def at(seconds_after_eight: float) -> float:  # the real monotonic time of a moment on their clock
        return started + 10 + seconds_after_eight

    try:
        started = time.monotonic()
        for _ in range(3):
            schedulers.start()
        for _ in range(2):
            workers.start()
        # Redis goes away just before 08:00 (the fan-out finds no queue) and comes back empty;
        # schedulers are killed during the fan-out and restarted
        for moment, act in ((-3, redis.stop), (0.5, schedulers.kill_one), (0.6, schedulers.start),
                            (2, schedulers.kill_one), (2.1, schedulers.start), (6, redis.start),
                            (8, schedulers.kill_one), (8.1, schedulers.start)):
            await asyncio.sleep(max(0.0, at(moment) - time.monotonic()))
            act()
        wanted = {(user, occasion) for user in members for occasion in ("welcome", "2026-W49", "2026-W50")}
        while time.monotonic() - started < 180 * SCALE:
            streams = await mailing_streams(store)
            done = {(ev.user_id, ev.occasion) for events in streams.values() for ev in events
                    if isinstance(ev, e.PicksEmailed)}
            if done >= wanted:
                break
            await asyncio.sleep(1)
    finally:
        schedulers.stop_all()
        workers.stop_all()
        redis.stop()
        controller.stop()

    runs = {week: [type(r.event).__name__ for r in await store.read_stream(f"weekly-run-{week}")]
            for week in ("2026-W49", "2026-W50")}
    print(f"\n{len(members)} members, {schedulers.kills} schedulers killed, runs: {runs}, "
          f"{len(inbox.received)} messages accepted")
    # one fan-out per week: the week a scheduler found undone when it started (W49, catching up)
    # and the one due at 08:00 (W50); each started once and planned once
    assert runs == {week: ["WeeklyRunStarted", "WeeklyRunPlanned"] for week in runs}
    # every member got each e-mail exactly once, though Redis lost every queued message at 08:00
    logs = {path.name: path.read_text(errors="replace") for path in tmp_path.glob("workers.*.log")}
    assert done >= wanted, f"missing {len(wanted - done)}, e.g. {sorted(wanted - done)[:3]}; logs:\n" + "\n".join(
        f"--- {name}\n" + "\n".join(text.splitlines()[-15:]) for name, text in sorted(logs.items()))
    received = inbox.ids()
    assert set(received) == {mailings.message_id(u, o, "mybigmovie.test") for u, o in wanted}
    assert max(received.values()) == 1
    for events in streams.values():
        assert sum(isinstance(ev, e.MailingPlanned) for ev in events) == 1
    # and the outage did what it says: sends could not be queued, and the sweep queued them later
    schedulers_said = "".join(text for name, text in logs.items() if name.startswith("workers.scheduler-"))
    assert "the sweep will" in schedulers_said and "nobody was carrying queued again" in schedulers_said
