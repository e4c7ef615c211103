"""The actors: thin, idempotent, taking ids. The work itself is in the modules they call."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import dramatiq

from workers.broker import broker  # imported before any actor: binds them to the project's broker
from domain.mailings import MailingBusy
from mybigmovie import training
from workers import outbox, runtime

log = logging.getLogger(__name__)
_CLAIM, _CLAIM_SECONDS = "mybigmovie:sending:", 600


SEND_ATTEMPTS = 12  # 5 s, 10 s, 20 s … then every 30 min: about two hours of an SMTP outage


def _retry_send(retries: int, error: BaseException) -> bool:
    """Waiting out another worker's lease is not a failure; a failed attempt counts (from the log,
    so attempts cut short by a crash count too); anything else (the database down) is retried alike."""
    if isinstance(error, dramatiq.Retry):
        return True
    if isinstance(error, outbox.SendFailed):
        return error.attempt < SEND_ATTEMPTS
    return retries < SEND_ATTEMPTS


@dramatiq.actor(retry_when=_retry_send, min_backoff=5_000, max_backoff=30 * 60_000)
async def send_picks(user_id: str, occasion: str) -> None:
    """E-mail a member their picks for ``occasion`` ("welcome", or an ISO week like "2026-W48"): the
    mailing in the log (workers/outbox.py) makes any number of copies of this message send once.
    A failed attempt raises, so Dramatiq retries it with backoff and, at the end, dead-letters it."""
    services = await runtime.services()
    try:
        await outbox.send(services, user_id, occasion)
    except MailingBusy as busy:
        # Never acknowledged away: come back once the other worker's lease has run out.
        wait = (busy.until - datetime.now(timezone.utc)).total_seconds()
        raise dramatiq.Retry(delay=int(max(1.0, wait + 1.0) * 1000)) from None
    except outbox.SendFailed as failure:
        if failure.attempt >= SEND_ATTEMPTS:
            log.error("%s's %s e-mail failed %d times (%s): it is in the dead letters; re-send it from /ops or with "
                      "`mybigmovie queues requeue-dead default`", user_id, occasion, failure.attempt, failure)
        raise


def _claim(command_id: str) -> bool:
    """A short lease in Redis, so two retrainings do not run at once."""
    return bool(broker.client.set(_CLAIM + command_id, "1", nx=True, ex=_CLAIM_SECONDS))


@dramatiq.actor(max_retries=2, time_limit=60 * 60 * 1000)
async def retrain(min_new_events: int = 50) -> None:
    """Train and publish a new model when none exists or the log has grown since the newest one."""
    services = await runtime.services()
    if not _claim("retrain"):
        return  # a retraining is already running
    try:
        if await training.needs_training(services, min_new_events):
            model = await training.train(services)
            log.info("model %s trained in %.1f s", model.version, model.training_seconds)
    except training.NothingToTrainOn:
        log.info("no ratings yet: nothing to train on")
    finally:
        broker.client.delete(_CLAIM + "retrain")
