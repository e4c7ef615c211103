"""Personal API tokens without the web: what a token looks like, the decisions on them, and the
read model's fold (revocation, the member's sessions ending, erasure)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from domain import events as e
from domain.accounts import Account, Stamp
from domain.api_tokens import MAX_TOKENS, create_token, revoke_token
from domain.errors import InvalidInput, UnverifiedAccount
from projections.api_tokens import ApiTokens, tokens_of
from web.api.tokens import matching, new_token, owner, token_hash

NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)
USER = str(uuid.uuid4())
NAME = e.Sealed(nonce=b"n" * 12, data=b"name")


def ev(kind, **fields):
    return kind(event_id=str(uuid.uuid4()), stream=f"user-{USER}", occurred_at=NOW, user_id=USER, **fields)


def created(token_id: str, digest: str = "h", scope: str = "read") -> e.ApiTokenCreated:
    return ev(e.ApiTokenCreated, token_id=token_id, token_hash=digest, scope=scope, personal=NAME)


def fold(*events, document=None):
    projection = ApiTokens()
    for event in events:
        for key in projection.keys(event):
            document = projection.apply(document, event, key)
    return document


def test_a_token_names_its_member_and_only_its_exact_text_matches():
    token, token_id, digest = new_token(USER)
    assert token.startswith("mbm_") and len(token) == 68 and owner(token) == USER and digest == token_hash(token)
    assert new_token(USER)[0] != token and len(token_id) == 16
    live = tokens_of(fold(created(token_id, digest)))
    assert matching(token, live).token_id == token_id
    assert matching(token[:-1] + ("A" if token[-1] != "A" else "B"), live) is None
    for bad in ("", "mbm_", "Bearer " + token, token + "x", "mbm_" + "!" * 64, "xyz_" + token[4:]):
        assert owner(bad) is None


def test_the_read_model_follows_revocation_the_end_of_sessions_and_erasure():
    # given two tokens, one revoked
    doc = fold(created("a"), created("b", scope="read-write"), ev(e.ApiTokenRevoked, token_id="a"))
    assert [(t.token_id, t.scope, t.writes) for t in tokens_of(doc)] == [("b", "read-write", True)]
    # when the member logs out everywhere (or changes their password), every token ends
    assert tokens_of(fold(ev(e.SessionsEnded), document=doc)) == []
    ended = fold(created("c"), ev(e.PasswordChanged, personal=NAME, reason="change"))
    assert tokens_of(ended) == []
    # when the account is deleted, nothing of its tokens is kept, and nothing comes back
    erased = fold(created("d"), ev(e.AccountDeleted, ratings_kept=False), created("e"))
    assert erased == {"member": USER, "tokens": {}, "erased": True}


def test_the_decisions_check_the_member_the_scope_and_the_allowance():
    member = Account(USER, signed_up=True, verified=True)
    stamp = Stamp(f"user-{USER}", "c1", NOW)
    with pytest.raises(UnverifiedAccount):
        create_token(Account(USER, signed_up=True), stamp, "t", "h", "read", NAME)
    with pytest.raises(InvalidInput):
        create_token(member, stamp, "t", "h", "admin", NAME)
    member.api_tokens = {f"t{i}": "read" for i in range(MAX_TOKENS)}
    with pytest.raises(InvalidInput):
        create_token(member, stamp, "new", "h", "read", NAME)
    # revoking a token that is not live records nothing; a live one, its revocation
    assert revoke_token(member, stamp, "unknown") == []
    [revoked] = revoke_token(member, stamp, "t0")
    member.apply(revoked)
    assert "t0" not in member.api_tokens and len(create_token(member, stamp, "new", "h", "read", NAME)) == 1
