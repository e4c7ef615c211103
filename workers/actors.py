"""The actors: thin, idempotent, taking ids. The work itself is in the modules they call."""
from __future__ import annotations

import logging

import dramatiq

from workers.broker import broker  # imported before any actor: binds them to the project's broker
from commands.messages import RecordPicksEmailed
from domain.accounts import Account, stream_for
from commands.keyring import personal_data
from mybigmovie import recommendations, training
from workers import mail, runtime

log = logging.getLogger(__name__)
PICKS_PER_EMAIL = 5
_CLAIM, _CLAIM_SECONDS = "mybigmovie:sending:", 600


@dramatiq.actor(max_retries=8, min_backoff=5_000, max_backoff=600_000)
async def send_picks(user_id: str, occasion: str) -> None:
    """E-mail a user five picks, once per occasion ("welcome", or an ISO week like "2026-W48")."""
    services = await runtime.services()
    command_id = f"picks/{user_id}/{occasion}"
    # Sent before (the log says so), or being sent right now by a duplicate of this message.
    if await services.handlers.handled(user_id, command_id) or not _claim(command_id):
        return
    try:
        await _send_picks(services, user_id, occasion, command_id)
    finally:
        broker.client.delete(_CLAIM + command_id)


async def _send_picks(services, user_id: str, occasion: str, command_id: str) -> None:
    history = [r.event for r in await services.store.read_stream(stream_for(user_id))]
    account = Account.from_events(user_id, history)
    personal = await personal_data(services.keyring, user_id, history)
    if not account.verified or account.deleted or personal is None:
        log.info("account %s is not verified, or deleted: no picks e-mail", user_id)
        return
    picks = await recommendations.picks(services.reads, _recommender(services), account, PICKS_PER_EMAIL)
    if not picks:
        log.warning("no movies to pick for %s: is the catalog empty?", user_id)
        return
    settings = services.settings
    message = mail.render(personal["display_name"], picks, occasion, settings.site_url, settings.mail_from,
                          personal["email"])
    await services.mailer.send(message)
    await services.handlers.handle(RecordPicksEmailed(command_id=command_id, user_id=user_id, occasion=occasion,
                                                      movie_ids=tuple(p.movie_id for p in picks)))


_recommenders: dict = {}


def _recommender(services) -> recommendations.Recommender:
    """One model holder per model directory for the life of the worker; it hot-swaps new models."""
    directory = services.settings.model_dir
    if directory not in _recommenders:
        _recommenders[directory] = recommendations.Recommender(directory)
    return _recommenders[directory]


def _claim(command_id: str) -> bool:
    """A short lease in Redis, so two copies of one message cannot both send before either records."""
    return bool(broker.client.set(_CLAIM + command_id, "1", nx=True, ex=_CLAIM_SECONDS))


@dramatiq.actor(max_retries=3)
async def send_weekly_picks(occasion: str) -> None:
    """Fan out one ``send_picks`` per member for the week ``occasion``."""
    services = await runtime.services()
    count = 0
    async for user_id in services.reads.verified_members():
        send_picks.send(user_id, occasion)
        count += 1
    log.info("weekly picks %s: %d e-mails queued", occasion, count)


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
