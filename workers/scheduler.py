"""``python -m workers.scheduler``: enqueues the Monday picks and follows the log for sign-ups.

Run exactly one. The weekly job is named by its ISO week, and each e-mail by (user, occasion), so
a restart or a second scheduler by mistake re-sends nothing.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from domain.events import EmailVerified
from mybigmovie.bootstrap import Services
from workers import runtime
from workers.actors import retrain, send_picks, send_weekly_picks

log = logging.getLogger(__name__)
WEEKLY = CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=timezone.utc)
RETRAIN_MINUTES = 15
REACTIONS = "reactions_welcome_email"  # the checkpoint of the sign-up follower, in the registry


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def enqueue_weekly(now: datetime | None = None) -> None:
    send_weekly_picks.send(week_of(now or datetime.now(timezone.utc)))


async def welcome_new_members(services: Services, stop: asyncio.Event | None = None) -> None:
    """Follow the log from a checkpoint; each first confirmed address queues its welcome e-mail
    (at least once; ``send_picks`` sends once per occasion). No picks go to an unverified address."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        generation = await services.registry.active(REACTIONS)
        page = await services.store.read_all(after=generation.checkpoint, limit=500)
        for recorded in page:
            if isinstance(recorded.event, EmailVerified):
                send_picks.send(recorded.event.user_id, "welcome")
        if page:
            await services.registry.save_checkpoint(generation, page[-1].position)
        else:
            await services.store.wait_for(generation.checkpoint, timeout=1.0)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    services = await runtime.services()
    scheduler = AsyncIOScheduler(timezone=timezone.utc)
    scheduler.add_job(enqueue_weekly, WEEKLY, id="weekly-picks", coalesce=True, misfire_grace_time=6 * 3600)
    # Retrain when the log has grown; the first run, right away, trains a fresh site's first model.
    scheduler.add_job(retrain.send, "interval", minutes=RETRAIN_MINUTES, id="retrain",
                      next_run_time=datetime.now(timezone.utc), coalesce=True)
    scheduler.start()
    log.info("weekly picks next at %s", scheduler.get_job("weekly-picks").next_run_time.isoformat())
    await welcome_new_members(services)


if __name__ == "__main__":
    asyncio.run(main())
