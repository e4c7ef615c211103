"""Sending one mailing, with the guarantee the README states (domain/mailings.py has the rules).

``plan`` puts the intent in the log; ``send`` claims it, composes it, hands it to SMTP and records
the outcome, each step fenced by the stream's version. The only way to mail a member twice is to die
(or stall past the lease) after the SMTP server accepted the message and before the outcome is in
the log: one append's round trip, a few milliseconds.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from domain import mailings
from domain.accounts import Account, stream_for
from domain.errors import ConcurrencyError, DuplicateEventError
from domain.mailings import Mailing, MailingBusy
from mybigmovie.bootstrap import Services
from workers import mail

log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}/{os.getpid()}"
# What a send may use of its lease: the rest is left for recording the outcome before it runs out.
_SEND_SHARE = 0.75


class SendFailed(Exception):
    """Attempt number ``attempt`` of a mailing did not get it accepted (recorded in the log)."""

    def __init__(self, attempt: int, error: Exception) -> None:
        super().__init__(f"attempt {attempt}: {type(error).__name__}: {error}")
        self.attempt = attempt


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def load(services: Services, user_id: str, occasion: str) -> Mailing:
    stream = mailings.mailing_stream(user_id, occasion)
    return Mailing.from_events(user_id, occasion, [r.event for r in await services.store.read_stream(stream)])


async def plan(services: Services, user_id: str, occasion: str) -> Mailing:
    """The mailing, planned in the log if it was not yet (any number of planners: one intent)."""
    mailing = await load(services, user_id, occasion)
    if mailing.planned:
        return mailing
    domain = urlsplit(services.settings.site_url).hostname or "localhost"
    events = mailings.plan(mailing, mailings.message_id(user_id, occasion, domain), _now())
    try:
        await services.store.append(mailing.stream, 0, events)
    except (ConcurrencyError, DuplicateEventError):
        return await load(services, user_id, occasion)  # planned meanwhile by another planner
    for event in events:
        mailing.apply(event)
    return mailing


async def send(services: Services, user_id: str, occasion: str, lease: timedelta | None = None) -> str:
    """Send the mailing unless it is done; returns its outcome ("sent", "skipped"). Raises
    MailingBusy while another worker holds it, and the SMTP error when this attempt failed (both
    recorded: the caller retries later), as SendFailed with the attempt's number."""
    lease = lease or services.settings.mail_lease
    mailing = await load(services, user_id, occasion)
    if not mailing.planned:  # a message that came before its plan: the scheduler plans for confirmed members only
        if not await _confirmed_member(services, user_id):
            return "not confirmed"  # nothing recorded: the welcome is planned when the address is confirmed
        mailing = await plan(services, user_id, occasion)
    claim = mailings.claim(mailing, WORKER, _now(), lease)
    if claim is None:
        return mailing.outcome or "sent"
    try:
        await services.store.append(mailing.stream, mailing.version, [claim])
    except (ConcurrencyError, DuplicateEventError):
        raise MailingBusy(_now() + timedelta(seconds=1)) from None  # claimed a moment ago: look again soon
    mailing.apply(claim)
    if claim.attempt == 1 and await _sent_before_mailings(services, user_id, occasion):
        await _record(services, mailing, mailings.skipped(mailing, _now(), "sent before mailings existed"))
        return "sent"

    composed = await mail.picks_email(services, user_id, occasion, mailing.message_id)
    if isinstance(composed, mail.Skip):
        await _record(services, mailing, mailings.skipped(mailing, _now(), composed.reason))
        log.info("mailing %s skipped: %s", mailing.stream, composed.reason)
        return "skipped"
    left = (claim.until - _now()).total_seconds() * _SEND_SHARE
    try:
        if left <= 0:
            raise TimeoutError("the lease ran out before the message was handed to SMTP")
        async with asyncio.timeout(left):
            accepted_at = await services.mailer.send(composed.message)
    except Exception as error:
        await _record(services, mailing, mailings.failed(mailing, _now(), f"{type(error).__name__}: {error}"))
        raise SendFailed(mailing.attempts, error) from error
    recorded = await _record(services, mailing, mailings.sent(mailing, _now(), composed.movie_ids, composed.show_ids))
    # The window in which a death would mean a duplicate: from the server's "accepted" to here.
    window_ms = (time.monotonic() - accepted_at) * 1000
    if recorded:
        log.info("mailing %s sent (attempt %d), recorded %.1f ms after the SMTP server accepted it",
                 mailing.stream, mailing.attempts, window_ms)
    else:
        log.error("mailing %s was sent after its lease was taken over: the member may get it twice", mailing.stream)
    return "sent"


async def _record(services: Services, mailing: Mailing, events) -> bool:
    """Append an outcome right after our claim; False when a newer claim fenced us out."""
    try:
        await services.store.append(mailing.stream, mailing.claim_version, events)
        return True
    except (ConcurrencyError, DuplicateEventError):
        return False


async def _confirmed_member(services: Services, user_id: str) -> bool:
    account = Account.from_events(user_id, [r.event for r in await services.store.read_stream(stream_for(user_id))])
    return account.verified and not account.deleted


async def _sent_before_mailings(services: Services, user_id: str, occasion: str) -> bool:
    """Logs written before mailings existed record a send in the member's own stream (so the week a
    site upgrades, its run is planned for everybody and sends to nobody already mailed)."""
    return await services.handlers.handled(user_id, f"picks/{user_id}/{occasion}")
