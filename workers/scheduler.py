"""``python -m workers.scheduler``: the Monday run, the welcome e-mails and retraining, from the log.

Nothing it knows lives only in memory. Which week is due is a function of the clock ("the latest
Monday 08:00 UTC"); whether that week's run is done is in the log (the week's own stream). So a
scheduler that was down at 08:00 runs the week when it comes back, and any number of schedulers can
run at once: the first to start a week's run in the log does the fan-out, and every mailing is
planned once whoever plans it (workers/outbox.py). Queueing a send is only a nudge: when Redis is
down, or a message is lost, the sweep queues again whatever the log says nobody is carrying.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import redis

from domain import events as e
from domain.errors import ConcurrencyError, DuplicateEventError
from domain.accounts import Stamp
from mybigmovie.bootstrap import Services
from projections.mailings import Mailings
from projections.runner import catch_up
from workers import outbox, runtime
from workers.actors import retrain, send_picks
from workers.broker import broker

log = logging.getLogger(__name__)
RETRAIN_MINUTES = 15
REACTIONS = "reactions_welcome_email"  # the checkpoint of the sign-up follower, in the registry


@dataclass(frozen=True)
class Timings:
    """How often the scheduler looks, and how long it trusts others (environment, in seconds:
    MYBIGMOVIE_SCHEDULER_TICK_SECONDS, MYBIGMOVIE_WEEKLY_RESUME_SECONDS, MYBIGMOVIE_SWEEP_AFTER_SECONDS)."""

    tick: float = 10.0
    resume_after: timedelta = timedelta(minutes=2)  # a week's run started but not finished is resumed
    sweep_after: timedelta = timedelta(minutes=2)  # a mailing nothing has touched for this long is queued again…
    requeue_every: timedelta = timedelta(minutes=10)  # …at most this often by one scheduler (its queue may be long)

    @classmethod
    def from_environment(cls) -> "Timings":
        def seconds(name: str, default: timedelta) -> timedelta:
            return timedelta(seconds=float(os.environ[name])) if name in os.environ else default
        sweep_after = seconds("MYBIGMOVIE_SWEEP_AFTER_SECONDS", cls.sweep_after)
        return cls(tick=float(os.environ.get("MYBIGMOVIE_SCHEDULER_TICK_SECONDS", cls.tick)),
                   resume_after=seconds("MYBIGMOVIE_WEEKLY_RESUME_SECONDS", cls.resume_after),
                   sweep_after=sweep_after, requeue_every=max(cls.requeue_every / cls.sweep_after * sweep_after,
                                                              timedelta(seconds=1)))


def sweep_lock() -> str:
    """One scheduler sweeps per tick (a key in the broker's namespace, so test brokers do not meet)."""
    return f"{broker.namespace}:scheduler:sweep"


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def due_week(now: datetime) -> tuple[str, datetime]:
    """The ISO week whose Monday 08:00 UTC is the latest at or before ``now``, and that moment."""
    now = now.astimezone(timezone.utc)
    monday = (now - timedelta(days=now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
    if monday > now:
        monday -= timedelta(days=7)
    return week_of(monday), monday


class Clock:
    """The scheduler's idea of now: the real time, shifted by MYBIGMOVIE_CLOCK_OFFSET_SECONDS (tests run
    several schedulers across a Monday 08:00 that is not today's)."""

    def __init__(self, offset_seconds: float | None = None) -> None:
        offset = offset_seconds if offset_seconds is not None else float(os.environ.get("MYBIGMOVIE_CLOCK_OFFSET_SECONDS", 0))
        self.offset = timedelta(seconds=offset)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


def enqueue(user_id: str, occasion: str) -> bool:
    """Queue a send; False (and the sweep will do it) when Redis is not answering."""
    try:
        send_picks.send(user_id, occasion)
        return True
    except redis.RedisError as error:
        log.warning("could not queue %s's %s e-mail (%s): the sweep will", user_id, occasion, error)
        return False


async def weekly_run(services: Services, now: datetime, resume_after: timedelta) -> int | None:
    """Start the week due at ``now`` unless the log says it is started; plan and queue its mailings.
    Returns how many members it planned for, None when there was nothing for this scheduler to do.
    A run started by another scheduler that has not finished within ``resume_after`` is resumed."""
    week, due_at = due_week(now)
    stream = f"weekly-run-{week}"
    history = [r.event for r in await services.store.read_stream(stream)]
    if any(isinstance(event, e.WeeklyRunPlanned) for event in history):
        return None
    real_now = datetime.now(timezone.utc)
    if not history:
        # An id of its own per scheduler: with one shared id, a second start would pass for a resend.
        stamp = Stamp(stream, f"started/{secrets.token_hex(8)}", real_now)
        try:
            await services.store.append(stream, 0, [e.WeeklyRunStarted(**stamp.meta(0), week=week, due_at=due_at)])
        except (ConcurrencyError, DuplicateEventError):
            return None  # another scheduler started it this very moment
        log.info("weekly run %s (due %s) started", week, due_at.isoformat())
    elif real_now - history[0].occurred_at < resume_after:
        return None  # another scheduler is running it
    else:
        log.warning("weekly run %s was started at %s and never finished: resuming it", week,
                    history[0].occurred_at.isoformat())
    planned = queued = 0
    async for user_id in services.reads.verified_members():
        mailing = await outbox.plan(services, user_id, week)
        planned += 1
        if not mailing.done:
            queued += enqueue(user_id, week)
    stamp = Stamp(stream, "planned", datetime.now(timezone.utc))
    try:
        await services.store.append(stream, len(history) or 1, [e.WeeklyRunPlanned(**stamp.meta(0), week=week, mailings=planned)])
    except (ConcurrencyError, DuplicateEventError):
        pass  # a resuming scheduler finished it too: the mailings are the same ones
    log.info("weekly run %s: %d mailings planned, %d queued", week, planned, queued)
    return planned


async def sweep(services: Services, queued_at: dict[tuple[str, str], float], timings: Timings = Timings()) -> int:
    """Queue every mailing that the log says nobody is carrying: planned and never claimed, or
    claimed by a worker whose lease ran out with no outcome. Failed ones are Dramatiq's (retrying,
    or dead letters an operator re-sends). Returns how many it queued."""
    await catch_up(services.store, services.registry, [Mailings()])
    try:
        if not broker.client.set(sweep_lock(), "1", nx=True, px=max(1, int(timings.tick * 1000))):
            return 0  # another scheduler swept moments ago
    except redis.RedisError:
        return 0
    count = 0
    now = time.monotonic()
    async for user_id, occasion in services.reads.unattended_mailings(datetime.now(timezone.utc) - timings.sweep_after):
        key = (user_id, occasion)
        if now - queued_at.get(key, -1e9) < timings.requeue_every.total_seconds():
            continue
        if not enqueue(user_id, occasion):
            break
        queued_at[key] = now
        count += 1
    if count:
        log.info("sweep: %d mailings nobody was carrying queued again", count)
    return count


async def welcome_new_members(services: Services, stop: asyncio.Event | None = None) -> None:
    """Follow the log from a checkpoint; each confirmed address gets its welcome mailing planned and
    queued. No picks go to an unconfirmed address; a changed address gets no second welcome."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        generation = await services.registry.active(REACTIONS)
        page = await services.store.read_all(after=generation.checkpoint, limit=500)
        for recorded in page:
            if isinstance(recorded.event, e.EmailVerified):
                mailing = await outbox.plan(services, recorded.event.user_id, "welcome")
                if not mailing.done:
                    enqueue(recorded.event.user_id, "welcome")
        if page:
            await services.registry.save_checkpoint(generation, page[-1].position)
        else:
            await services.store.wait_for(generation.checkpoint, timeout=1.0)


async def run(services: Services, clock: Clock, stop: asyncio.Event, timings: Timings) -> None:
    """Every tick: the due week's run, the sweep, and now and then a nudge to retrain."""
    follower = asyncio.create_task(_forever("welcome follower", lambda: welcome_new_members(services, stop), timings))
    queued_at: dict[tuple[str, str], float] = {}
    next_retrain = 0.0  # the first tick asks: a fresh site trains its first model right away
    log.info("scheduler started; now %s, the week due is %s", clock.now().isoformat(), due_week(clock.now())[0])
    while not stop.is_set():
        for name, step in (("weekly run", lambda: weekly_run(services, clock.now(), timings.resume_after)),
                           ("sweep", lambda: sweep(services, queued_at, timings))):
            try:
                await step()
            except Exception:  # the database or Redis is down: the next tick tries again
                log.exception("%s failed; trying again in %.0f s", name, timings.tick)
        if time.monotonic() >= next_retrain:
            try:
                retrain.send()
                next_retrain = time.monotonic() + RETRAIN_MINUTES * 60
            except redis.RedisError as error:
                log.warning("could not ask for a retraining: %s", error)
        try:
            await asyncio.wait_for(stop.wait(), timings.tick)
        except TimeoutError:
            pass
    follower.cancel()


async def _forever(name: str, work, timings: Timings) -> None:
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; restarting it in %.0f s", name, timings.tick)
            await asyncio.sleep(timings.tick)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    services = await runtime.services()
    await run(services, Clock(), asyncio.Event(), Timings.from_environment())


if __name__ == "__main__":
    asyncio.run(main())
