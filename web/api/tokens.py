"""Personal API tokens: what one looks like, and how a request's token is checked.

A token is ``mbm_`` and 64 URL-safe base64 characters: the member's id (16 bytes) and 32 random
bytes. The random part makes it unguessable; the id lets a request's token be checked with one read
of that member's tokens (projections/api_tokens.py) instead of a search over everyone's. Only the
token's SHA-256 is stored: a hash of 256 random bits cannot be reversed or guessed, so a slow hash
(argon2, for passwords people choose) would add nothing, and a plain SHA-256 needs no key that a
change of SECRET_KEY would invalidate.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from secrets import compare_digest

from projections.api_tokens import ApiToken
from projections.read_side import ReadSide
from projections.views import Member

PREFIX = "mbm_"
LENGTH = len(PREFIX) + 64


def new_token(user_id: str) -> tuple[str, str, str]:
    """(the token, its public id, its hash) for a new token of ``user_id``: the token itself is
    shown to the member once and kept nowhere."""
    raw = uuid.UUID(user_id).bytes + secrets.token_bytes(32)
    token = PREFIX + base64.urlsafe_b64encode(raw).decode()
    return token, secrets.token_hex(8), token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def owner(token: str) -> str | None:
    """The member a well-formed token names (it may still be wrong: its hash decides), else None."""
    if len(token) != LENGTH or not token.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return str(uuid.UUID(bytes=raw[:16])) if len(raw) == 48 else None


def matching(token: str, tokens: list[ApiToken]) -> ApiToken | None:
    """The member's live token this is, compared in constant time, or None."""
    digest = token_hash(token)
    found = None
    for candidate in tokens:
        if compare_digest(candidate.token_hash, digest):
            found = candidate
    return found


@dataclass(frozen=True)
class TokenRow:
    """A live token as /me lists it."""

    token_id: str
    name: str
    scope: str
    created_at: datetime
    last_used: datetime | None


async def token_rows(reads: ReadSide, limits, member: Member) -> list[TokenRow]:
    """The member's live tokens with their names (opened with the member's key) and last use."""
    tokens = await reads.api_tokens(member.user_id)
    names = await reads.api_token_names(member.user_id, tokens)
    used = await limits.last_used([token.token_id for token in tokens])
    return [TokenRow(t.token_id, names.get(t.token_id, ""), t.scope, t.created_at,
                     datetime.fromtimestamp(used[t.token_id], tz=timezone.utc) if t.token_id in used else None)
            for t in tokens]
