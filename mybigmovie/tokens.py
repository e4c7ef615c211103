"""Signed, expiring, encrypted tokens for the links we e-mail: the account e-mails' (verify, reset,
change of address, made by the web) and the picks e-mail's (unsubscribe, "not interested", "seen
it", made by the workers; see mybigmovie/mail_links.py).

Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) from ``cryptography``: the token is
authenticated, so it cannot be forged or altered; encrypted, so a new address carried in it is not
readable from a URL in a log or a browser's history; and timestamped, so it expires. Each purpose
has its own key (HKDF from SECRET_KEY), so a token made for one purpose is refused for another.
Single use is not the token's job: each carries the version of the thing it changes (the password,
the address), and the command refuses it once that version has moved on; the picks e-mail's links
change nothing that doing twice would not leave as doing once.
"""
from __future__ import annotations

import base64

import msgspec
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.errors import N_, InvalidLink

# How long each kind of link works, in seconds.
DAY = 24 * 3600
# An unsubscribe link outlives any e-mail a member may still be reading (the law in several places
# asks for 30 days at least); the one-click actions on a pick work for a month.
LIFETIMES = {"verify": 3 * DAY, "reset": 3600, "change-email": DAY,
             "unsubscribe": 90 * DAY, "pick-not-interested": 30 * DAY, "pick-seen": 30 * DAY}
MAX_TOKEN_LENGTH = 1000


class LinkTokens:
    def __init__(self, secret: str) -> None:
        self._fernets = {purpose: Fernet(_derive(secret, purpose)) for purpose in LIFETIMES}

    def make(self, purpose: str, payload: dict) -> str:
        return self._fernets[purpose].encrypt(msgspec.json.encode(payload)).decode()

    def read(self, purpose: str, token: str) -> dict:
        """The payload; InvalidLink (a message for the person) when forged, altered or expired."""
        try:
            if len(token) > MAX_TOKEN_LENGTH:
                raise InvalidToken
            payload = msgspec.json.decode(self._fernets[purpose].decrypt(token.encode(), ttl=LIFETIMES[purpose]))
        except (InvalidToken, msgspec.DecodeError, UnicodeEncodeError):
            raise InvalidLink(N_("This link is not valid or has expired. Ask for a new one below.")) from None
        if not isinstance(payload, dict):
            raise InvalidLink(N_("This link is not valid or has expired. Ask for a new one below."))
        return payload


def _derive(secret: str, purpose: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mybigmovie-links",
               info=purpose.encode()).derive(secret.encode())
    return base64.urlsafe_b64encode(key)
