"""Mailings: where each planned e-mail stands (for the scheduler's sweep and the operator page).

One document per mailing stream. ``state`` is "planned" (no worker has it yet), "claimed" (a worker
holds a lease until ``claim_until``), "failed" (its last attempt failed: Dramatiq retries it, or it
sits in the dead letters), "sent" or "skipped".
"""
from __future__ import annotations

from typing import Hashable, Iterable

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e
from domain.mailings import mailing_stream

NAME = "mailings"
STATES = ("planned", "claimed", "failed", "sent", "skipped")
_EVENTS = (e.MailingPlanned, e.MailingClaimed, e.MailingFailed, e.MailingSkipped, e.PicksEmailed)


class Mailings:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        # A PicksEmailed of an older log sits in the member's own stream: it is a sent mailing too.
        return (mailing_stream(event.user_id, event.occasion),) if isinstance(event, _EVENTS) else ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        mailing = document or {"user_id": event.user_id, "occasion": event.occasion, "state": "planned",
                               "planned_at": event.occurred_at, "attempts": 0, "last_error": None,
                               "claim_until": None}
        mailing["updated_at"] = event.occurred_at
        match event:
            case e.MailingClaimed():
                mailing.update(state="claimed", attempts=event.attempt, claim_until=event.until)
            case e.MailingFailed():
                mailing.update(state="failed", last_error=event.error, claim_until=None)
            case e.PicksEmailed():
                mailing.update(state="sent", claim_until=None, sent_at=event.occurred_at)
            case e.MailingSkipped():
                mailing.update(state="skipped", claim_until=None, reason=event.reason)
        return mailing

    async def create_indexes(self, collection: AsyncCollection) -> None:
        # Single-field indexes: nx-27017 uses no compound index for a lookup (docs/nx-27017.md).
        await collection.create_index([("state", ASCENDING)], name="state")
        await collection.create_index([("occasion", ASCENDING)], name="occasion")
