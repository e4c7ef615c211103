"""Members' keys in memory: the ``Keyring`` port of commands/keyring.py without a database, for tests
and tools. It passes the keyring contract (tests/contracts/test_keyring.py) with ``MongoKeyring``.

ONE PROCESS, ONE EVENT LOOP: the keys live in this object only. Nothing is shared with another process
or instance and nothing survives the process — which is also what shredding a key here amounts to.
Not thread-safe; safe under concurrent tasks of its event loop, as every check-and-change below runs
with no ``await`` in between (of two claims on one address at once, exactly one wins).

As in ``MongoKeyring``, an address is kept only as its keyed hash (HMAC-SHA256 with a random pepper,
one per keyring), sealing and opening go through the same ``seal_with`` / ``open_with``, and a claim's
time comes back as the database would return it (UTC, to the millisecond).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from commands.keyring import open_with, seal_with
from domain.accounts import normalize_email
from domain.errors import EmailTaken
from domain.events import Sealed


@dataclass
class _Member:
    email_key: str
    key: bytes
    command_id: str
    claimed_at: datetime


class InMemoryKeyring:
    def __init__(self) -> None:
        self._pepper = os.urandom(32)
        self._members: dict[str, _Member] = {}  # user id -> key and claim
        self._owners: dict[str, str] = {}  # email key -> user id (the unique index on email_key)

    async def create_indexes(self) -> None:
        """Nothing to create; here so the two keyrings are set up alike."""

    def _email_key(self, email: str) -> str:
        return hmac.new(self._pepper, normalize_email(email).encode(), hashlib.sha256).hexdigest()

    async def claim(self, user_id: str, email: str, command_id: str) -> None:
        email_key = self._email_key(email)
        await _round_trip()
        if user_id in self._members or email_key in self._owners:
            holder = self._owners.get(email_key)
            if holder == user_id and self._members[holder].command_id == command_id:
                return  # the same sign-up, sent again
            raise EmailTaken(user_id=holder)
        now = datetime.now(timezone.utc)
        self._members[user_id] = _Member(email_key, os.urandom(32), command_id,
                                         now.replace(microsecond=now.microsecond // 1000 * 1000))
        self._owners[email_key] = user_id

    async def move(self, user_id: str, new_email: str) -> None:
        email_key = self._email_key(new_email)
        await _round_trip()
        member = self._members.get(user_id)
        if member is None:
            return  # no key, nothing to point at (as an update matching no document)
        holder = self._owners.get(email_key)
        if holder is not None and holder != user_id:
            raise EmailTaken(user_id=holder)
        self._owners.pop(member.email_key, None)
        member.email_key = email_key
        self._owners[email_key] = user_id

    async def owner(self, email: str) -> str | None:
        found = await self.claimed_by(email)
        return found[0] if found else None

    async def claimed_by(self, email: str) -> tuple[str, str, datetime] | None:
        email_key = self._email_key(email)
        await _round_trip()
        user_id = self._owners.get(email_key)
        if user_id is None:
            return None
        member = self._members[user_id]
        return user_id, member.command_id, member.claimed_at

    async def release(self, user_id: str, command_id: str) -> bool:
        await _round_trip()
        member = self._members.get(user_id)
        if member is None or member.command_id != command_id:
            return False
        self._forget(user_id)
        return True

    async def seal(self, user_id: str, fields: dict) -> Sealed:
        await _round_trip()
        member = self._members.get(user_id)
        if member is None:
            raise LookupError(f"member {user_id} has no key (never created, or erased)")
        return seal_with(member.key, user_id, fields)

    async def open(self, user_id: str, sealed: Sealed) -> dict | None:
        await _round_trip()
        member = self._members.get(user_id)
        return open_with(member.key, user_id, sealed) if member else None

    async def shred(self, user_id: str) -> None:
        await _round_trip()
        self._forget(user_id)

    def _forget(self, user_id: str) -> None:
        member = self._members.pop(user_id, None)
        if member is not None and self._owners.get(member.email_key) == user_id:
            del self._owners[member.email_key]


async def _round_trip() -> None:
    # One turn of the event loop, as a round trip to the database would give: concurrent tasks interleave.
    await asyncio.sleep(0)
