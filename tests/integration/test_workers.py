"""Workers and the scheduler on the real parts: Redis (Dramatiq's broker), the database, an SMTP server on loopback."""
from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from babel.dates import format_date

os.environ.setdefault("MYBIGMOVIE_QUEUE_NAMESPACE", f"mybigmovie-test-{uuid.uuid4().hex[:8]}")

from dramatiq import Worker  # noqa: E402

from commands import messages as m  # noqa: E402
from commands.handlers import CommandHandlers  # noqa: E402
from commands.keyring import MongoKeyring  # noqa: E402
from commands.mongo_store import MongoEventStore  # noqa: E402
from domain.accounts import stream_for  # noqa: E402
from domain import mailings  # noqa: E402
from domain.accounts import Stamp  # noqa: E402
from domain.events import MailingClaimed, MailingFailed, MovieListed, PicksEmailed, RatingSummary, WeeklyRunStarted  # noqa: E402
from projections.catalog_port import ReadModelCatalog  # noqa: E402
from projections.daemon import Projector  # noqa: E402
from projections.mailings import Mailings  # noqa: E402
from projections.movies import Movies  # noqa: E402
from projections.registry import Registry  # noqa: E402
from projections.user_profiles import UserProfiles  # noqa: E402
from workers import outbox, runtime, scheduler  # noqa: E402
from workers.actors import send_picks  # noqa: E402
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


def stream_of(store, user_id: str, occasion: str):
    return store.read_stream(mailings.mailing_stream(user_id, occasion))


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
    # and the log holds the mailing: planned, claimed once, sent, with the Message-ID that went out
    events = [r.event for r in await stream_of(store, user_id, "welcome")]
    assert [type(e).__name__ for e in events] == ["MailingPlanned", "MailingClaimed", "PicksEmailed"]
    assert message["Message-ID"] == events[0].message_id and len(events[2].movie_ids) == 5


async def test_a_message_arriving_while_another_worker_holds_the_mailing_is_retried_not_dropped(site, inbox):
    # (the lost e-mail: a worker died mid-send, its lease still stands when the message comes back)
    store, user_id = site
    services = await runtime.services()
    mailing = await outbox.plan(services, user_id, "welcome")
    dead = mailings.claim(mailing, "a-worker-that-died", datetime.now(timezone.utc), timedelta(seconds=3))
    await store.append(mailing.stream, mailing.version, [dead])
    send_picks.send(user_id, "welcome")
    await asyncio.sleep(1.5)
    assert inbox.messages == []  # not sent over a live claim…
    await drain()  # …and not acknowledged away: retried once the lease ran out, then sent
    assert len(inbox.messages) == 1
    events = [r.event for r in await stream_of(store, user_id, "welcome")]
    claims = [e for e in events if isinstance(e, MailingClaimed)]
    assert [c.attempt for c in claims] == [1, 2] and isinstance(events[-1], PicksEmailed)


async def test_a_worker_whose_lease_was_taken_over_cannot_record_the_mailing(site, inbox):
    store, user_id = site
    services = await runtime.services()
    # a slow worker claimed with a lease that ran out while it was stalled, and another took over
    mailing = await outbox.plan(services, user_id, "welcome")
    slow = mailings.claim(mailing, "slow", datetime.now(timezone.utc) - timedelta(minutes=5), timedelta(seconds=1))
    await store.append(mailing.stream, mailing.version, [slow])
    mailing.apply(slow)
    assert await outbox.send(services, user_id, "welcome") == "sent"
    # the slow worker's record, fenced by its claim's version, is refused
    assert not await outbox._record(services, mailing, mailings.sent(mailing, datetime.now(timezone.utc), (1,)))
    sent = [r.event for r in await stream_of(store, user_id, "welcome") if isinstance(r.event, PicksEmailed)]
    assert len(sent) == 1 and len(inbox.messages) == 1


async def test_an_smtp_outage_is_recorded_and_retried_until_the_mail_goes_through(site, inbox):
    store, user_id = site

    async def try_later(server, session, envelope) -> str:
        return "451 4.3.0 Mail server temporarily unavailable"
    inbox.handle_DATA = try_later  # the SMTP server answers, but takes nothing
    send_picks.send(user_id, "welcome")
    for _ in range(200):  # the first attempt fails and says why in the log
        events = [r.event for r in await stream_of(store, user_id, "welcome")]
        if any(isinstance(e, MailingFailed) for e in events):
            break
        await asyncio.sleep(0.05)
    [failure] = [e for e in events if isinstance(e, MailingFailed)]
    assert failure.attempt == 1 and "451" in failure.error and inbox.messages == []
    del inbox.handle_DATA  # back up
    await drain()  # Dramatiq's retry, after its backoff (about 5 s), goes through
    assert len(inbox.messages) == 1
    events = [r.event for r in await stream_of(store, user_id, "welcome")]
    assert isinstance(events[-1], PicksEmailed) and events[-2].attempt == 2


async def test_the_weekly_run_is_started_once_by_many_schedulers_and_mails_every_member_once(site, inbox):
    store, user_id = site
    services = await runtime.services()
    monday = datetime(2026, 11, 30, 8, 0, 5, tzinfo=timezone.utc)
    # three schedulers at once, right after Monday 08:00
    runs = await asyncio.gather(*(scheduler.weekly_run(services, monday, timedelta(minutes=2)) for _ in range(3)))
    assert sorted(runs, key=str) == [1, None, None]
    await drain()
    # and again later in the week (a scheduler restarted): the log says the week is done
    assert await scheduler.weekly_run(services, monday + timedelta(days=2), timedelta(minutes=2)) is None
    await drain()
    assert [msg["Subject"] for msg in inbox.messages] == ["Your 5 movies for this week"]
    started = [r.event for r in await store.read_stream("weekly-run-2026-W49") if isinstance(r.event, WeeklyRunStarted)]
    assert len(started) == 1 and started[0].due_at == datetime(2026, 11, 30, 8, tzinfo=timezone.utc)


async def test_a_run_left_half_done_by_a_dead_scheduler_is_resumed(site, inbox):
    store, user_id = site
    services = await runtime.services()
    monday = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
    # a scheduler started the week and died before planning anyone
    stamp = scheduler.Stamp("weekly-run-2026-W49", "started", datetime.now(timezone.utc) - timedelta(minutes=5))
    await store.append("weekly-run-2026-W49", 0, [WeeklyRunStarted(**stamp.meta(0), week="2026-W49", due_at=monday)])
    assert await scheduler.weekly_run(services, monday, timedelta(minutes=10)) is None  # it may still be running
    assert await scheduler.weekly_run(services, monday, timedelta(minutes=2)) == 1  # it is not: resumed
    await drain()
    assert [msg["Subject"] for msg in inbox.messages] == ["Your 5 movies for this week"]


async def test_the_sweep_queues_a_mailing_nobody_is_carrying(site, inbox):
    # (Redis was down when it was planned, or its message was lost)
    store, user_id = site
    services = await runtime.services()
    await outbox.plan(services, user_id, "2026-W49")
    await asyncio.sleep(1.1)  # nx-27017 compares dates to the second (tests/contracts/test_backend_differences.py)
    queued_at: dict = {}
    assert await scheduler.sweep(services, queued_at, scheduler.Timings(sweep_after=timedelta(0))) == 1
    broker.client.delete(scheduler.sweep_lock())
    assert await scheduler.sweep(services, queued_at, scheduler.Timings(sweep_after=timedelta(0))) == 0  # queued moments ago
    await drain()
    assert len(inbox.messages) == 1
    await Projector(store, Registry(services.database), [Mailings()]).run_once()
    broker.client.delete(scheduler.sweep_lock())
    assert await scheduler.sweep(services, {}, scheduler.Timings(sweep_after=timedelta(0))) == 0  # sent: nothing to carry


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


async def test_the_week_a_site_upgrades_nobody_already_mailed_is_mailed_again(site, inbox):
    # (a log from before mailings existed records the send in the member's own stream)
    store, user_id = site
    services = await runtime.services()
    stamp = Stamp(stream_for(user_id), f"picks/{user_id}/2026-W49", datetime.now(timezone.utc))
    await store.append(stream_for(user_id), None, [PicksEmailed(**stamp.meta(0), user_id=user_id, occasion="2026-W49",
                                                                movie_ids=(1, 2, 3, 4, 5))])
    assert await scheduler.weekly_run(services, datetime(2026, 11, 30, 9, tzinfo=timezone.utc),
                                      timedelta(minutes=2)) == 1
    await drain()
    assert inbox.messages == []
    events = [type(r.event).__name__ for r in await stream_of(store, user_id, "2026-W49")]
    assert events == ["MailingPlanned", "MailingClaimed", "MailingSkipped"]


async def test_a_member_who_chose_french_gets_the_picks_e_mail_in_french(site, inbox):
    # given Ann, who chose French on the site
    store, user_id = site
    services = await runtime.services()
    await services.handlers.handle(m.ChooseLanguage(command_id="lang-1", user_id=user_id, language="fr"))
    # when her welcome e-mail goes out
    send_picks.send(user_id, "welcome")
    await drain()
    # then every word of it is French, its date too, and it says it is
    [message] = inbox.messages
    assert message["Subject"] == "Bienvenue sur MyBigMovie : 5 films pour commencer"
    assert message["Content-Language"] == "fr"
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Ann," in text and "Bienvenue sur MyBigMovie ! Voici cinq films pour commencer." in text
    assert "Déjà vu ? Notez-le :" in text and "Hello" not in text and "Seen it" not in text
    today = datetime.now(timezone.utc).date()
    assert format_date(today, "full", locale="fr") in text  # "jeudi 3 décembre 2026"
    html = message.get_body(("html",)).get_content()
    assert '<html lang="fr">' in html and "Pas intéressé</a>" in html
