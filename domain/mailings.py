"""Mailings: the outbox of picks e-mails, as decisions over a stream of their own in the log.

A mailing is planned in the log before anything is sent. A worker then *claims* it, with a lease, by
appending ``MailingClaimed`` at the stream's current version: two workers reading the same version
cannot both append there (optimistic concurrency), so at most one claim is live at any moment. The
claim's version is its fencing token: the outcome (sent, failed, skipped) is appended at the version
right after the claim, so a worker whose lease ran out and was taken over cannot record anything.

A claim whose worker died simply runs out; the message that carried it comes back (Dramatiq
redelivers what a dead worker held) and a new claim takes over. Nothing is ever acknowledged while
a live claim stands: the message is retried after the lease instead.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import events as e
from domain.accounts import Stamp

LEASE = timedelta(seconds=120)  # the longest one attempt may take: the SMTP time-out is kept well inside


def mailing_stream(user_id: str, occasion: str) -> str:
    return f"mailing-{user_id}-{occasion}"


def message_id(user_id: str, occasion: str, domain: str) -> str:
    """The one Message-ID of a mailing, whatever the attempt: a receiving server can tell a re-send."""
    token = uuid.uuid5(uuid.NAMESPACE_OID, f"mybigmovie/picks/{user_id}/{occasion}").hex
    return f"<picks.{occasion.lower()}.{token}@{domain}>"


class MailingBusy(Exception):
    """Another worker holds a live claim on the mailing until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"claimed by another worker until {until.isoformat()}")
        self.until = until


@dataclass
class Mailing:
    user_id: str
    occasion: str
    stream: str
    version: int = 0  # the stream's version: how many events it holds
    message_id: str | None = None
    attempts: int = 0
    claim: e.MailingClaimed | None = None  # the newest claim, while no outcome followed it
    claim_version: int = 0
    outcome: str | None = None  # "sent" or "skipped": nothing more will happen
    last_error: str | None = None

    @classmethod
    def from_events(cls, user_id: str, occasion: str, history: list[e.Event]) -> "Mailing":
        mailing = cls(user_id, occasion, mailing_stream(user_id, occasion))
        for event in history:
            mailing.apply(event)
        return mailing

    def apply(self, event: e.Event) -> None:
        self.version += 1
        match event:
            case e.MailingPlanned():
                self.message_id = event.message_id
            case e.MailingClaimed():
                self.claim, self.claim_version, self.attempts = event, self.version, event.attempt
            case e.MailingFailed():
                self.claim, self.last_error = None, event.error
            case e.PicksEmailed():
                self.claim, self.outcome = None, "sent"
            case e.MailingSkipped():
                self.claim, self.outcome = None, "skipped"

    @property
    def planned(self) -> bool:
        return self.message_id is not None

    @property
    def done(self) -> bool:
        return self.outcome is not None


def plan(mailing: Mailing, message_id_: str, now: datetime) -> list[e.Event]:
    """The intent, first in the stream (appended at version 0: planned once, however many planners)."""
    if mailing.planned:
        return []
    stamp = Stamp(mailing.stream, "plan", now)
    return [e.MailingPlanned(**stamp.meta(0), user_id=mailing.user_id, occasion=mailing.occasion,
                             message_id=message_id_)]


def claim(mailing: Mailing, worker: str, now: datetime, lease: timedelta = LEASE) -> e.MailingClaimed | None:
    """A new claim (None when the mailing is done); MailingBusy while another one is live."""
    if mailing.done:
        return None
    if mailing.claim is not None and mailing.claim.until > now:
        raise MailingBusy(mailing.claim.until)
    # A fresh id per claim: two workers claiming at once write different events, and the stream
    # version (not an idempotent resend) decides which one stands.
    stamp = Stamp(mailing.stream, f"claim/{mailing.version}/{secrets.token_hex(8)}", now)
    return e.MailingClaimed(**stamp.meta(0), user_id=mailing.user_id, occasion=mailing.occasion,
                            attempt=mailing.attempts + 1, worker=worker, until=now + lease)


def _outcome_stamp(mailing: Mailing, kind: str, now: datetime) -> Stamp:
    return Stamp(mailing.stream, f"{kind}/{mailing.claim_version}", now)


def sent(mailing: Mailing, now: datetime, movie_ids: tuple[int, ...], show_ids: tuple[int, ...] = ()) -> list[e.Event]:
    stamp = _outcome_stamp(mailing, "sent", now)
    return [e.PicksEmailed(**stamp.meta(0), user_id=mailing.user_id, occasion=mailing.occasion,
                           movie_ids=movie_ids, show_ids=show_ids)]


def failed(mailing: Mailing, now: datetime, error: str) -> list[e.Event]:
    stamp = _outcome_stamp(mailing, "failed", now)
    return [e.MailingFailed(**stamp.meta(0), user_id=mailing.user_id, occasion=mailing.occasion,
                            attempt=mailing.attempts, error=error[:500])]


def skipped(mailing: Mailing, now: datetime, reason: str) -> list[e.Event]:
    stamp = _outcome_stamp(mailing, "skipped", now)
    return [e.MailingSkipped(**stamp.meta(0), user_id=mailing.user_id, occasion=mailing.occasion, reason=reason)]
