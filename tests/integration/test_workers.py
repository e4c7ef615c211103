"""Workers on the real parts: Redis (Dramatiq's broker), the database, and an SMTP server on loopback."""
from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timezone

import pytest

os.environ.setdefault("MYBIGMOVIE_QUEUE_NAMESPACE", f"mybigmovie-test-{uuid.uuid4().hex[:8]}")

from dramatiq import Worker  # noqa: E402

from commands import messages as m  # noqa: E402
from commands.handlers import CommandHandlers  # noqa: E402
from commands.keyring import MongoKeyring  # noqa: E402
from commands.mongo_store import MongoEventStore  # noqa: E402
from domain.accounts import stream_for  # noqa: E402
from domain.events import MovieListed, PicksEmailed, RatingSummary  # noqa: E402
from projections.catalog_port import ReadModelCatalog  # noqa: E402
from projections.daemon import Projector  # noqa: E402
from projections.movies import Movies  # noqa: E402
from projections.registry import Registry  # noqa: E402
from projections.user_profiles import UserProfiles  # noqa: E402
from workers import runtime, scheduler  # noqa: E402
from workers.actors import send_picks, send_weekly_picks  # noqa: E402
from workers.broker import broker  # noqa: E402
from tests.conftest import running_inbox  # noqa: E402
from tests.members import new_member  # noqa: E402

TITLES = {1: "Heat", 2: "Amélie", 3: "Alien", 4: "Up", 5: "Psycho", 6: "Rocky", 7: "Fargo", 8: "Brazil"}


@pytest.fixture
def inbox(monkeypatch):
    with running_inbox() as handler:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(handler.port))
        yield handler


@pytest.fixture
async def site(database, mongo_url, monkeypatch, inbox, tmp_path):
    """A database with eight listed movies and one member, and the actors pointed at it (and at a
    var/ of their own: a model trained by an earlier `make run` must not pick for this catalog)."""
    monkeypatch.setenv("MONGODB_URL", mongo_url)
    monkeypatch.setenv("MONGODB_DATABASE", database.name)
    monkeypatch.setenv("MYBIGMOVIE_VAR_DIR", str(tmp_path))
    await runtime.close_all()
    store = MongoEventStore(database)
    await store.create_indexes()
    registry = Registry(database)
    now = datetime.now(timezone.utc)
    listings = [MovieListed(event_id=uuid.uuid4().hex, stream="movies-test", occurred_at=now, movie_id=i, title=t,
                            year=1990 + i, reference=RatingSummary(count=1000 * i, mean=3.0 + i / 5, source="test"))
                for i, t in TITLES.items()]
    await store.append("movies-test", 0, listings)
    keyring = MongoKeyring(database)  # the actors' services open Ann's sealed address with the same keyring
    await keyring.create_indexes()

    async def hash_password(password: str) -> str:
        return "hash"
    handlers = CommandHandlers(store, ReadModelCatalog(registry), keyring, hash_password=hash_password)
    await Projector(store, registry, [Movies(), UserProfiles()]).run_once()
    user_id = await new_member(handlers, "ann@example.org", "Ann", "correct horse")  # signed up and confirmed
    await handlers.handle(m.RateMovie(command_id="r1", user_id=user_id, movie_id=8, rating=4.0))
    await handlers.handle(m.MarkNotInterested(command_id="r2", user_id=user_id, movie_id=7))
    await Projector(store, registry, [Movies(), UserProfiles()]).run_once()
    worker = Worker(broker, worker_timeout=100)
    worker.start()
    yield store, user_id
    await runtime.close_all()  # while the actors' loop still runs: their client closes on it
    worker.stop()
    broker.flush_all()


async def drain() -> None:
    await asyncio.to_thread(broker.join, send_picks.queue_name, timeout=60_000)


async def test_a_welcome_email_with_five_picks_is_sent_once(site, inbox):
    store, user_id = site
    # when the welcome e-mail is queued twice (a retried message)
    send_picks.send(user_id, "welcome")
    send_picks.send(user_id, "welcome")
    await drain()
    # then one e-mail went out, with five movies she has neither rated nor put aside, best first
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "ann@example.org" and "Welcome" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    listed = sorted((text.index(f". {title} ("), title) for title in TITLES.values() if f". {title} (" in text)
    assert [title for _, title in listed] == ["Rocky", "Psycho", "Up", "Alien", "Amélie"]
    assert "Brazil" not in text and "Fargo" not in text
    html = message.get_body(("html",)).get_content()
    assert "Am&eacute;lie" in html or "Amélie" in html
    # and the log records what was sent, once
    recorded = [r.event for r in await store.read_stream(stream_for(user_id)) if isinstance(r.event, PicksEmailed)]
    assert len(recorded) == 1 and recorded[0].occasion == "welcome" and len(recorded[0].movie_ids) == 5


async def test_the_weekly_run_mails_every_member_once_per_week(site, inbox):
    store, user_id = site
    week = scheduler.week_of(datetime(2026, 11, 30, 8, tzinfo=timezone.utc))
    assert week == "2026-W49"
    send_weekly_picks.send(week)
    await asyncio.to_thread(broker.join, send_weekly_picks.queue_name, timeout=60_000)
    await drain()
    send_weekly_picks.send(week)
    await asyncio.to_thread(broker.join, send_weekly_picks.queue_name, timeout=60_000)
    await drain()
    assert [msg["Subject"] for msg in inbox.messages] == ["Your 5 movies for this week"]


async def test_a_sign_up_in_the_log_queues_its_welcome_email(site, inbox):
    # (the welcome goes out once the address is confirmed: it follows EmailVerified in the log)
    store, user_id = site
    services = await runtime.services()
    stop = asyncio.Event()
    follower = asyncio.create_task(scheduler.welcome_new_members(services, stop))
    await drain()
    for _ in range(100):
        if inbox.messages:
            break
        await asyncio.sleep(0.1)
        await drain()
    stop.set()
    await asyncio.wait_for(follower, 5)
    assert len(inbox.messages) == 1 and "Welcome" in inbox.messages[0]["Subject"]


def test_the_weekly_trigger_fires_on_mondays_at_eight_utc():
    fire = scheduler.WEEKLY.get_next_fire_time(None, datetime(2026, 11, 25, 15, tzinfo=timezone.utc))
    assert fire == datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    fire = scheduler.WEEKLY.get_next_fire_time(None, datetime(2026, 11, 30, 8, 0, 1, tzinfo=timezone.utc))
    assert fire == datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
