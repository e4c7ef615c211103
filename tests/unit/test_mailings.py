"""The outbox's rules: one live claim at a time, outcomes fenced by the claim, the week that is due."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain import mailings
from domain.mailings import Mailing, MailingBusy
from workers.actors import SEND_ATTEMPTS, _retry_send
from workers.outbox import SendFailed
from workers.scheduler import due_week

import dramatiq

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)


def planned() -> Mailing:
    mailing = Mailing.from_events("u1", "2026-W50", [])
    for event in mailings.plan(mailing, "<m@x>", NOW):
        mailing.apply(event)
    return mailing


def test_a_mailing_is_planned_once_with_its_message_id():
    mailing = planned()
    assert mailing.planned and mailing.message_id == "<m@x>" and mailing.version == 1
    assert mailings.plan(mailing, "<other@x>", NOW) == []


def test_the_message_id_is_the_same_for_every_attempt_and_differs_between_mailings():
    one = mailings.message_id("u1", "2026-W50", "example.org")
    assert one == mailings.message_id("u1", "2026-W50", "example.org")
    assert one != mailings.message_id("u1", "2026-W51", "example.org") != mailings.message_id("u2", "2026-W50", "example.org")
    assert one.startswith("<picks.2026-w50.") and one.endswith("@example.org>")


def test_a_live_claim_keeps_others_out_until_its_lease_runs_out():
    mailing = planned()
    claim = mailings.claim(mailing, "a", NOW, timedelta(seconds=60))
    mailing.apply(claim)
    with pytest.raises(MailingBusy) as busy:
        mailings.claim(mailing, "b", NOW + timedelta(seconds=59), timedelta(seconds=60))
    assert busy.value.until == NOW + timedelta(seconds=60)
    # the holder died: once the lease has run out, another worker takes over, as attempt 2
    taken = mailings.claim(mailing, "b", NOW + timedelta(seconds=61), timedelta(seconds=60))
    assert taken.attempt == 2 and taken.worker == "b"


def test_two_claims_on_the_same_version_are_different_events():
    # (so the store's version check, not an idempotent resend, decides which one stands)
    mailing = planned()
    a, b = mailings.claim(mailing, "a", NOW), mailings.claim(mailing, "a", NOW)
    assert a.event_id != b.event_id


def test_outcomes_release_the_claim_and_a_sent_mailing_is_never_claimed_again():
    mailing = planned()
    mailing.apply(mailings.claim(mailing, "a", NOW))
    [failure] = mailings.failed(mailing, NOW, "SMTPServerDisconnected: gone")
    mailing.apply(failure)
    assert mailing.claim is None and mailing.last_error.startswith("SMTP") and not mailing.done
    mailing.apply(mailings.claim(mailing, "a", NOW))
    assert mailing.attempts == 2
    for event in mailings.sent(mailing, NOW, (1, 2, 3)):
        mailing.apply(event)
    assert mailing.done and mailing.outcome == "sent"
    assert mailings.claim(mailing, "b", NOW + timedelta(days=1)) is None


def test_the_outcome_of_an_attempt_has_an_id_of_its_claim():
    # a retried record of the same attempt is idempotent; the next attempt's record is another event
    mailing = planned()
    mailing.apply(mailings.claim(mailing, "a", NOW))
    first = mailings.sent(mailing, NOW, (1,))[0].event_id
    assert first == mailings.sent(mailing, NOW, (1,))[0].event_id
    mailing.apply(mailings.failed(mailing, NOW, "x")[0])
    mailing.apply(mailings.claim(mailing, "a", NOW))
    assert mailings.sent(mailing, NOW, (1,))[0].event_id != first


@pytest.mark.parametrize("now, week, due", [
    (datetime(2026, 11, 30, 7, 59, 59, tzinfo=timezone.utc), "2026-W48", datetime(2026, 11, 23, 8, tzinfo=timezone.utc)),
    (datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc), "2026-W49", datetime(2026, 11, 30, 8, tzinfo=timezone.utc)),
    (datetime(2026, 12, 6, 23, 59, tzinfo=timezone.utc), "2026-W49", datetime(2026, 11, 30, 8, tzinfo=timezone.utc)),
    (datetime(2027, 1, 4, 9, tzinfo=timezone.utc), "2027-W01", datetime(2027, 1, 4, 8, tzinfo=timezone.utc)),
    (datetime(2026, 12, 28, 8, 30, tzinfo=timezone.utc), "2026-W53", datetime(2026, 12, 28, 8, tzinfo=timezone.utc)),
    # a clock in another zone means the same instant
    (datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=2))), "2026-W48", datetime(2026, 11, 23, 8, tzinfo=timezone.utc)),
])
def test_the_week_due_is_the_latest_monday_eight_utc(now, week, due):
    assert due_week(now) == (week, due)


def test_waiting_for_a_lease_never_counts_against_the_attempts():
    busy = dramatiq.Retry(delay=1000)
    assert _retry_send(10_000, busy)
    assert _retry_send(0, SendFailed(SEND_ATTEMPTS - 1, OSError("down")))
    assert not _retry_send(0, SendFailed(SEND_ATTEMPTS, OSError("down")))  # then: the dead letters
    assert not _retry_send(SEND_ATTEMPTS, ConnectionError("database down"))
