"""The picks e-mail's links: unsubscribe (RFC 8058 one-click) and the one-click actions on a pick.

The worker composing an e-mail makes them and the web reads them when one is opened; both go
through this module, so a link's shape has one home. Each is a ``LinkTokens`` token of a purpose of
its own, carrying the member's id (and the title): encrypted, authenticated, expiring. Holding a
link is the authority to do its one thing for its one member, and nothing else: turn the weekly
e-mail off, or put one movie aside. Neither can be worse than a nuisance, and doing either twice
leaves the account as doing it once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from domain.errors import N_, InvalidLink
from mybigmovie.tokens import LinkTokens

UNSUBSCRIBE, NOT_INTERESTED, SEEN = "unsubscribe", "pick-not-interested", "pick-seen"
PATHS = {NOT_INTERESTED: "/picks/not-interested", SEEN: "/picks/seen"}
MAX_ID = 2**53  # as web/errors.py Id: a title id the catalog can hold
_BAD = N_("This link is not valid or has expired.")

Kind = Literal["movie", "show"]


@dataclass(frozen=True)
class PickLink:
    """A read link to act on one title for one member."""

    user_id: str
    kind: Kind
    title_id: int
    # The same for every use of one link, so a replayed POST records the change once.
    command_id: str

    @property
    def path(self) -> str:
        return f"/{'movies' if self.kind == 'movie' else 'shows'}/{self.title_id}"


class MailLinks:
    def __init__(self, tokens: LinkTokens, site_url: str) -> None:
        self.tokens, self.site_url = tokens, site_url.rstrip("/")

    def unsubscribe(self, user_id: str) -> str:
        """The URL of ``List-Unsubscribe``: a GET shows what it does, a POST does it (RFC 8058)."""
        return f"{self.site_url}/unsubscribe/{quote(self.tokens.make(UNSUBSCRIBE, {'u': user_id}), safe='')}"

    def pick(self, purpose: str, user_id: str, kind: Kind, title_id: int) -> str:
        """The URL of one action on one pick (``NOT_INTERESTED`` or ``SEEN``)."""
        token = self.tokens.make(purpose, {"u": user_id, "k": kind, "i": title_id, "n": secrets.token_urlsafe(12)})
        return f"{self.site_url}{PATHS[purpose]}?token={quote(token, safe='')}"

    def read_unsubscribe(self, token: str) -> str:
        """The member the unsubscribe link was made for; InvalidLink when forged, altered or expired."""
        user_id = self.tokens.read(UNSUBSCRIBE, token).get("u")
        if not isinstance(user_id, str) or not user_id:
            raise InvalidLink(_BAD)
        return user_id

    def read_pick(self, purpose: str, token: str) -> PickLink:
        payload = self.tokens.read(purpose, token)
        user_id, kind, title_id, nonce = (payload.get(key) for key in ("u", "k", "i", "n"))
        if (not isinstance(user_id, str) or kind not in ("movie", "show") or type(title_id) is not int
                or not 1 <= title_id <= MAX_ID or not isinstance(nonce, str)):
            raise InvalidLink(_BAD)
        return PickLink(user_id, kind, title_id, f"{purpose}/{nonce}")
