"""Decisions on a member's personal API tokens: pure functions over the account's state, as in
domain/accounts.py. The web layer makes the secret and hands over only its hash."""
from __future__ import annotations

from domain import events as e
from domain.accounts import Account, Stamp, _check_member
from domain.errors import N_, InvalidInput

SCOPES = ("read", "read-write")
MAX_TOKENS = 20  # live tokens a member may hold at once
MAX_NAME = 60


def create_token(account: Account, stamp: Stamp, token_id: str, token_hash: str, scope: str,
                 personal: e.Sealed) -> list[e.Event]:
    """A new token for a verified member, within their allowance of live tokens."""
    _check_member(account)
    if scope not in SCOPES:
        raise InvalidInput(N_("Choose what the token may do: read, or read and write."))
    if token_id in account.api_tokens:
        return []
    if len(account.api_tokens) >= MAX_TOKENS:
        raise InvalidInput(N_("You have %(count)s tokens already: revoke one you no longer use first."), count=MAX_TOKENS)
    return [e.ApiTokenCreated(**stamp.meta(0), user_id=account.user_id, token_id=token_id, token_hash=token_hash,
                              scope=scope, personal=personal)]


def revoke_token(account: Account, stamp: Stamp, token_id: str) -> list[e.Event]:
    """The token stops working; revoking one already gone records nothing."""
    _check_member(account)
    if token_id not in account.api_tokens:
        return []
    return [e.ApiTokenRevoked(**stamp.meta(0), user_id=account.user_id, token_id=token_id)]


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(N_("Give the token a name of 1 to %(length)s characters."), length=MAX_NAME)
    return name
