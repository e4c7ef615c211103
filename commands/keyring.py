"""Members' keys, kept OUTSIDE the event log: the one place where personal data can be erased.

Events are immutable, so an e-mail address written into one could never be deleted. Instead each
member gets a random AES-256 key here, and every personal field (address, name, password hash) is
sealed with it before it enters an event (``domain.events.Sealed``). Deleting the key
("crypto-shredding") leaves the log whole — replay, audits and training still run — while every
copy of that member's personal data in it, backups of the log included, becomes unreadable.

The same document is how an address finds its account: it holds ``email_key``, a keyed hash
(HMAC-SHA256 with a random pepper stored here too) of the normalised address, under a unique
index. That index is what makes "one account per address" atomic on MongoDB and on nx-27017
alike, and since neither the address nor its hash is ever in the log, a user id found in the log
leads back to nobody once the key is gone. Back this collection up with the log: losing it loses
every member's personal data (they can no longer log in), exactly as erasure does for one.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import time
from datetime import datetime, timezone
from typing import Protocol

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from domain.accounts import normalize_email
from domain.errors import EmailTaken
from domain.events import Sealed

_PEPPER_ID = "~pepper"
_CACHE_SECONDS = 60.0  # how long another process may still open a shredded member's data


class Keyring(Protocol):
    async def claim(self, user_id: str, email: str, command_id: str) -> None:
        """Create ``user_id``'s key and claim ``email`` for it; EmailTaken(user_id=owner) if the
        address belongs to another account. Claiming again with the same command id is a no-op."""

    async def move(self, user_id: str, new_email: str) -> None:
        """Point ``new_email`` (instead of the old address) at ``user_id``; EmailTaken if it is another's."""

    async def owner(self, email: str) -> str | None:
        """The account holding this address, if any."""

    async def claimed_by(self, email: str) -> tuple[str, str, datetime] | None:
        """(user id, command id, claimed at) of the claim on this address, if any."""

    async def release(self, user_id: str, command_id: str) -> bool:
        """Drop a claim that never became an account (its sign-up died halfway)."""

    async def seal(self, user_id: str, fields: dict) -> Sealed: ...

    async def open(self, user_id: str, sealed: Sealed) -> dict | None:
        """The sealed fields, or None when the member's key is gone (erased) or does not fit."""

    async def shred(self, user_id: str) -> None:
        """Destroy the member's key and address claim: their sealed data is unreadable from now on."""


def seal_with(key: bytes, user_id: str, fields: dict) -> Sealed:
    nonce = os.urandom(12)
    return Sealed(nonce=nonce, data=AESGCM(key).encrypt(nonce, msgspec.msgpack.encode(fields), user_id.encode()))


def open_with(key: bytes, user_id: str, sealed: Sealed) -> dict | None:
    try:
        return msgspec.msgpack.decode(AESGCM(key).decrypt(sealed.nonce, sealed.data, user_id.encode()))
    except (InvalidTag, ValueError, msgspec.DecodeError):
        return None


class MongoKeyring:
    def __init__(self, database: AsyncDatabase, collection: str = "member_keys") -> None:
        self._keys = database[collection]
        self._pepper: bytes | None = None
        self._cache: dict[str, tuple[float, bytes]] = {}

    async def create_indexes(self) -> None:
        await self._keys.create_index([("email_key", ASCENDING)], unique=True, sparse=True, name="email_key")

    async def _email_key(self, email: str) -> str:
        if self._pepper is None:
            try:  # the first process to need it makes it; every other one reads that one
                await self._keys.insert_one({"_id": _PEPPER_ID, "pepper": os.urandom(32)})
            except DuplicateKeyError:
                pass
            self._pepper = bytes((await self._keys.find_one({"_id": _PEPPER_ID}))["pepper"])
        return hmac.new(self._pepper, normalize_email(email).encode(), hashlib.sha256).hexdigest()

    async def claim(self, user_id: str, email: str, command_id: str) -> None:
        document = {"_id": user_id, "email_key": await self._email_key(email), "key": os.urandom(32),
                    "command_id": command_id, "claimed_at": datetime.now(timezone.utc)}
        try:
            await self._keys.insert_one(document)
        except DuplicateKeyError:
            holder = await self._keys.find_one({"email_key": document["email_key"]}, projection={"command_id": 1})
            if holder is not None and holder["_id"] == user_id and holder["command_id"] == command_id:
                return  # the same sign-up, sent again
            raise EmailTaken(user_id=holder["_id"] if holder else None) from None

    async def move(self, user_id: str, new_email: str) -> None:
        email_key = await self._email_key(new_email)
        try:
            await self._keys.update_one({"_id": user_id}, {"$set": {"email_key": email_key}})
        except DuplicateKeyError:
            holder = await self._keys.find_one({"email_key": email_key}, projection={"_id": 1})
            if holder is None or holder["_id"] != user_id:
                raise EmailTaken(user_id=holder["_id"] if holder else None) from None

    async def owner(self, email: str) -> str | None:
        found = await self.claimed_by(email)
        return found[0] if found else None

    async def claimed_by(self, email: str) -> tuple[str, str, datetime] | None:
        doc = await self._keys.find_one({"email_key": await self._email_key(email)},
                                        projection={"command_id": 1, "claimed_at": 1})
        return (doc["_id"], doc["command_id"], doc["claimed_at"]) if doc else None

    async def release(self, user_id: str, command_id: str) -> bool:
        self._cache.pop(user_id, None)
        return (await self._keys.delete_one({"_id": user_id, "command_id": command_id})).deleted_count == 1

    async def seal(self, user_id: str, fields: dict) -> Sealed:
        key = await self._key(user_id)
        if key is None:
            raise LookupError(f"member {user_id} has no key (never created, or erased)")
        return seal_with(key, user_id, fields)

    async def open(self, user_id: str, sealed: Sealed) -> dict | None:
        key = await self._key(user_id)
        return open_with(key, user_id, sealed) if key else None

    async def shred(self, user_id: str) -> None:
        await self._keys.delete_one({"_id": user_id})
        self._cache.pop(user_id, None)

    async def _key(self, user_id: str) -> bytes | None:
        cached = self._cache.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        doc = await self._keys.find_one({"_id": user_id}, projection={"key": 1})
        if doc is None:  # not remembered: the key may be created a moment later (a sign-up)
            return None
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic() + _CACHE_SECONDS, bytes(doc["key"]))
        return bytes(doc["key"])


async def personal_data(keyring: Keyring, user_id: str, history) -> dict | None:
    """A member's personal fields as of ``history`` (their stream's events, oldest first): each
    sealed event opened in turn, newer fields over older; None once the member's key is gone."""
    merged: dict = {}
    for event in history:
        if isinstance(sealed := getattr(event, "personal", None), Sealed):
            opened = await keyring.open(user_id, sealed)
            if opened is None:
                return None
            merged.update(opened)
    return merged or None
