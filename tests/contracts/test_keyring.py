"""The keyring contract: members' keys and address claims (commands/keyring.py), on every keyring.

Each test runs on ``MongoKeyring`` ("mongo": nx-27017 by default, real MongoDB with MONGODB_URL set)
and on ``InMemoryKeyring`` ("memory", no database). What only a shared database can show (another
process's view of a shredded key) is skipped for the memory keyring, saying why.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from commands.keyring import MongoKeyring, personal_data
from commands.memory_keyring import InMemoryKeyring
from domain.errors import EmailTaken, InvalidInput
from domain.events import Sealed


@pytest.fixture(params=["mongo", "memory"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def mongo_database(kind, request):
    """The test database for "mongo", None for "memory" (whose run never starts a database server)."""
    return request.getfixturevalue("database") if kind == "mongo" else None


@pytest.fixture
async def keyring(kind, mongo_database) -> MongoKeyring | InMemoryKeyring:
    keyring = InMemoryKeyring() if kind == "memory" else MongoKeyring(mongo_database)
    await keyring.create_indexes()
    return keyring


def mongo_only(why: str):
    return pytest.mark.parametrize(
        "kind", ["mongo", pytest.param("memory", marks=pytest.mark.skip(reason=f"memory keyring: {why}"))])


# --- moved from tests/integration/test_erasure.py ---------------------------------------------------

async def test_one_address_one_account_and_a_resent_claim_is_the_same_claim(keyring):
    await keyring.claim("u1", "Ann@Example.org", "c1")
    await keyring.claim("u1", "ann@example.org", "c1")  # the same sign-up sent again
    with pytest.raises(EmailTaken) as taken:
        await keyring.claim("u2", "ann@example.org ", "c2")
    assert taken.value.user_id == "u1" and await keyring.owner("ANN@example.org") == "u1"


async def test_a_sealed_blob_opens_only_for_its_member(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    await keyring.claim("u2", "bob@example.org", "c2")
    sealed = await keyring.seal("u1", {"email": "ann@example.org"})
    assert b"ann@example.org" not in sealed.data
    assert await keyring.open("u1", sealed) == {"email": "ann@example.org"}
    assert await keyring.open("u2", sealed) is None  # the user id is bound in: a copied blob does not open


@mongo_only("another process reads the key from the shared collection; an in-memory keyring is one "
            "process's own and has no other reader (its own view is checked in the test below)")
async def test_shredding_a_key_makes_the_data_unreadable_everywhere_and_frees_the_address(keyring, database):
    await keyring.claim("u1", "ann@example.org", "c1")
    sealed = await keyring.seal("u1", {"email": "ann@example.org"})
    other_process = MongoKeyring(database)
    assert await other_process.open("u1", sealed) is not None
    await keyring.shred("u1")
    assert await keyring.open("u1", sealed) is None and await keyring.owner("ann@example.org") is None
    assert await MongoKeyring(database).open("u1", sealed) is None
    with pytest.raises(LookupError):
        await keyring.seal("u1", {"email": "again"})


async def test_moving_to_an_address_another_account_holds_is_refused(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    await keyring.claim("u2", "bob@example.org", "c2")
    with pytest.raises(EmailTaken):
        await keyring.move("u2", "ann@example.org")
    await keyring.move("u2", "bea@example.org")
    assert await keyring.owner("bea@example.org") == "u2" and await keyring.owner("bob@example.org") is None


# --- the rest of the port ---------------------------------------------------------------------------

async def test_shredding_a_key_makes_the_data_unreadable_and_frees_the_address(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    sealed = await keyring.seal("u1", {"email": "ann@example.org", "display_name": "Ann"})
    history = [SimpleNamespace(personal=sealed)]  # what personal_data reads of a sign-up event
    assert await personal_data(keyring, "u1", history) == {"email": "ann@example.org", "display_name": "Ann"}
    await keyring.shred("u1")
    assert await keyring.open("u1", sealed) is None and await keyring.owner("ann@example.org") is None
    assert await personal_data(keyring, "u1", history) is None
    with pytest.raises(LookupError):
        await keyring.seal("u1", {"email": "again"})
    await keyring.shred("u1")  # twice is harmless
    await keyring.claim("u3", "ann@example.org", "c3")  # the address is free for a new account
    assert await keyring.owner("ann@example.org") == "u3"


async def test_claimed_by_tells_who_claimed_an_address_with_which_command_and_when(keyring):
    before = datetime.now(timezone.utc)
    await keyring.claim("u1", "ann@example.org", "c1")
    user_id, command_id, claimed_at = await keyring.claimed_by(" ANN@example.org")
    assert (user_id, command_id) == ("u1", "c1")
    assert claimed_at.tzinfo is not None and claimed_at.utcoffset() == timedelta(0)
    assert before - timedelta(milliseconds=1) <= claimed_at <= datetime.now(timezone.utc)
    assert await keyring.claimed_by("bob@example.org") is None and await keyring.owner("bob@example.org") is None


async def test_the_same_account_with_another_command_id_or_another_address_is_refused(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    with pytest.raises(EmailTaken) as again:
        await keyring.claim("u1", "ann@example.org", "c2")  # not the sign-up that claimed it
    assert again.value.user_id == "u1"
    with pytest.raises(EmailTaken) as other:
        await keyring.claim("u1", "bob@example.org", "c1")  # u1 has its key already, for Ann's address
    assert other.value.user_id is None
    assert await keyring.owner("bob@example.org") is None
    assert (await keyring.claimed_by("ann@example.org"))[:2] == ("u1", "c1")  # the first claim stands


async def test_releasing_needs_the_claiming_command_and_frees_the_address(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    sealed = await keyring.seal("u1", {"email": "ann@example.org"})
    assert await keyring.release("u1", "c2") is False
    assert await keyring.owner("ann@example.org") == "u1"
    assert await keyring.release("u1", "c1") is True
    assert await keyring.release("u1", "c1") is False  # gone already
    assert await keyring.owner("ann@example.org") is None and await keyring.open("u1", sealed) is None
    await keyring.claim("u2", "ann@example.org", "c2")
    assert await keyring.owner("ann@example.org") == "u2"


async def test_moving_to_ones_own_address_changes_nothing_and_an_unknown_member_moves_nowhere(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    await keyring.move("u1", "Ann@example.org")
    assert await keyring.owner("ann@example.org") == "u1"
    await keyring.move("nobody", "bea@example.org")  # no key: nothing to point at
    assert await keyring.owner("bea@example.org") is None
    await keyring.move("u1", "bea@example.org")
    await keyring.claim("u2", "ann@example.org", "c2")  # the old address is free again
    assert (await keyring.owner("bea@example.org"), await keyring.owner("ann@example.org")) == ("u1", "u2")


async def test_a_member_without_a_key_seals_nothing_and_opens_nothing(keyring):
    await keyring.claim("u1", "ann@example.org", "c1")
    sealed = await keyring.seal("u1", {"email": "ann@example.org"})
    with pytest.raises(LookupError):
        await keyring.seal("nobody", {"email": "x@example.org"})
    assert await keyring.open("nobody", sealed) is None


async def test_an_address_that_is_not_one_is_refused(keyring):
    with pytest.raises(InvalidInput):
        await keyring.claim("u1", "not-an-address", "c1")
    with pytest.raises(InvalidInput):
        await keyring.owner("a@b")
    with pytest.raises(InvalidInput):
        await keyring.move("u1", "x y@z.org")


async def test_of_ten_claims_on_one_address_at_once_exactly_one_wins(keyring):
    results = await asyncio.gather(*(keyring.claim(f"u{i}", "ann@example.org", f"c{i}") for i in range(10)),
                                   return_exceptions=True)
    winners = [f"u{i}" for i, result in enumerate(results) if result is None]
    assert len(winners) == 1 and await keyring.owner("ann@example.org") == winners[0]
    assert all(isinstance(r, EmailTaken) and r.user_id == winners[0] for r in results if r is not None)


async def test_a_key_asked_for_before_it_exists_is_found_once_it_does(keyring):
    # A read side may look a member up a moment before their sign-up creates the key.
    assert await keyring.open("u1", Sealed(nonce=b"n" * 12, data=b"d")) is None
    await keyring.claim("u1", "ann@example.org", "c1")
    sealed = await keyring.seal("u1", {"email": "ann@example.org"})
    assert await keyring.open("u1", sealed) == {"email": "ann@example.org"}
