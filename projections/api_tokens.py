"""Members' personal API tokens: one document per member, their live tokens by id.

A request's token names its member (web/api/tokens.py), so checking it is one read of that
member's document by ``_id`` and a comparison of hashes: no index over hashes, and everything a
member's tokens are is in the one document their own events fold into. Only the SHA-256 of each
token is here, as in the events; the name the member gave it stays sealed with their key.

What ends the member's sessions ends their tokens: a password change or reset and "log out
everywhere" empty the document. Erasure: ``account-deleted`` empties it for good, as the member's
history (projections/history.py) is emptied.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Hashable, Iterable

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e

NAME = "api_tokens"
_ENDS_TOKENS = (e.SessionsEnded, e.PasswordChanged)


def empty_tokens(user_id: str) -> dict:
    return {"member": user_id, "tokens": {}}


class ApiTokens:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        if isinstance(event, (e.ApiTokenCreated, e.ApiTokenRevoked, e.AccountDeleted, *_ENDS_TOKENS)):
            return (event.user_id,)
        return ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        if isinstance(event, e.AccountDeleted):
            return {**empty_tokens(event.user_id), "erased": True}
        doc = document if document is not None else empty_tokens(event.user_id)
        if doc.get("erased"):
            return doc
        match event:
            case e.ApiTokenCreated():
                doc["tokens"][event.token_id] = {
                    "hash": event.token_hash, "scope": event.scope, "created_at": event.occurred_at,
                    "name": {"nonce": base64.b64encode(event.personal.nonce).decode(),
                             "data": base64.b64encode(event.personal.data).decode()}}
            case e.ApiTokenRevoked():
                doc["tokens"].pop(event.token_id, None)
            case _:  # the member's sessions ended
                doc["tokens"] = {}
        return doc

    async def create_indexes(self, collection: AsyncCollection) -> None:
        # Read by _id; followed by each web process's cache of them (projections/member_cache.py).
        await collection.create_index([("_pos", ASCENDING)], name="position")


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A live token as the read side hands it out (never its secret: nobody has that but the member)."""

    token_id: str
    user_id: str
    token_hash: str
    scope: str  # "read" or "read-write"
    created_at: datetime
    sealed_name: e.Sealed

    @property
    def writes(self) -> bool:
        return self.scope == "read-write"


def tokens_of(doc: dict | None) -> list[ApiToken]:
    """The live tokens of a member's document, oldest first."""
    if not doc:
        return []
    found = [ApiToken(token_id, doc["member"], t["hash"], t["scope"], _utc(t["created_at"]),
                      e.Sealed(nonce=base64.b64decode(t["name"]["nonce"]), data=base64.b64decode(t["name"]["data"])))
             for token_id, t in doc.get("tokens", {}).items()]
    return sorted(found, key=lambda token: token.created_at)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
