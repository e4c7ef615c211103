"""Erasure that fits an event log: the one-off migration of clear-text sign-ups,
and what ``audit`` shows afterwards. Each runs against the real store and keyring on the test database.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from domain import events as e
from domain.accounts import stream_for
from mybigmovie.migrations import seal_personal_data


class AnyTitle:
    async def has_movie(self, movie_id): return True
    async def has_show(self, show_id): return True
    async def has_episode(self, show_id, season, episode): return True


async def fake_hash(password: str) -> str:
    return f"hash-of-{password}"


@pytest.fixture
async def parts(database):
    store, keyring = MongoEventStore(database), MongoKeyring(database)
    await store.create_indexes()
    await keyring.create_indexes()
    return store, keyring, CommandHandlers(store, AnyTitle(), keyring, fake_hash)


def cid() -> str:
    return uuid.uuid4().hex


def cli(*args: str, database, mongo_url) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": database.name, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "mybigmovie.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


# The keyring's own tests are in tests/contracts/test_keyring.py (on MongoKeyring and InMemoryKeyring).


# --- the migration of clear-text sign-ups (user-signed-up/1) ------------------------------------------

def old_signup(user_id: str, email: str, name: str) -> e.UserSignedUpV1:
    return e.UserSignedUpV1(event_id=cid(), stream=f"user-{user_id}", occurred_at=datetime.now(timezone.utc),
                            user_id=user_id, email=email, display_name=name, password_hash=f"hash-of-{name}")


async def record_old_accounts(store: MongoEventStore) -> None:
    """Two accounts as the first version of the site recorded them: clear text, ids from addresses."""
    for old_id, email, name in [("old-ann", "ann@example.org", "Ann"), ("old-bob", "bob@example.org", "Bob")]:
        stream = f"user-{old_id}"
        await store.append(stream, 0, [old_signup(old_id, email, name)])
        for movie in (1, 2):
            await store.append(stream, None, [e.MovieRated(event_id=cid(), stream=stream,
                                                           occurred_at=datetime.now(timezone.utc), user_id=old_id,
                                                           movie_id=movie, rating=4.0)])


async def assert_migrated(store: MongoEventStore, keyring: MongoKeyring, database) -> None:
    raw = repr(await database["events"].find().to_list())
    for clear in ("ann@example.org", "bob@example.org", "hash-of-Ann", "old-ann", "old-bob"):
        assert clear not in raw
    for email, name in [("ann@example.org", "Ann"), ("bob@example.org", "Bob")]:
        user_id = await keyring.owner(email)
        history = await store.read_stream(stream_for(user_id))
        assert [type(r.event) for r in history] == [e.UserSignedUp, e.MovieRated, e.MovieRated]
        assert all(r.event.user_id == user_id for r in history)
        assert await keyring.open(user_id, history[0].event.personal) == {
            "email": email, "display_name": name, "password_hash": f"hash-of-{name}"}
    assert await store.read_stream("user-old-ann") == [] and await store.read_stream("user-old-bob") == []
    assert await database["member_keys"].count_documents({"_id": {"$ne": "~pepper"}}) == 2


async def test_the_migration_seals_old_sign_ups_under_new_ids_and_keeps_every_position(parts, database):
    store, keyring, handlers = parts
    await record_old_accounts(store)
    positions = sorted([r.position for s in ("user-old-ann", "user-old-bob") for r in await store.read_stream(s)])
    assert await seal_personal_data(store, keyring) == 2
    await assert_migrated(store, keyring, database)
    moved = [r.position for email in ("ann@example.org", "bob@example.org")
             for r in await store.read_stream(stream_for(await keyring.owner(email)))]
    assert sorted(moved) == positions
    assert await seal_personal_data(store, keyring) == 0  # done once


@pytest.mark.parametrize("killed_after", [0, 1, 2])
async def test_a_migration_killed_half_way_resumes_where_it_stopped(parts, database, killed_after):
    store, keyring, handlers = parts
    await record_old_accounts(store)
    real_rewrite, calls = store.rewrite_commit, []

    async def dies_after_some(events, from_stream):
        if len(calls) == killed_after:
            raise ConnectionError("the process was killed here")
        calls.append(from_stream)
        await real_rewrite(events, from_stream)
    store.rewrite_commit = dies_after_some
    with pytest.raises(ConnectionError):
        await seal_personal_data(store, keyring)
    store.rewrite_commit = real_rewrite
    assert await seal_personal_data(MongoEventStore(database), MongoKeyring(database)) == 2
    await assert_migrated(store, keyring, database)


async def test_a_migrated_member_must_confirm_the_address_again(parts):
    store, keyring, handlers = parts
    await record_old_accounts(store)
    await seal_personal_data(store, keyring)
    ann = await keyring.owner("ann@example.org")
    with pytest.raises(Exception, match="confirm"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=3, rating=2.0))
    await handlers.handle(m.VerifyEmail(command_id=cid(), user_id=ann, email_version=1))
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=3, rating=2.0))


# --- the command line -------------------------------------------------------------------------------

async def test_migrate_and_audit_from_the_command_line_show_the_erasure(parts, database, mongo_url):
    store, keyring, handlers = parts
    await record_old_accounts(store)
    migrated = cli("migrate", database=database, mongo_url=mongo_url)
    assert migrated.returncode == 0, migrated.stderr
    assert "2 account(s) migrated" in migrated.stdout
    again = cli("migrate", database=database, mongo_url=mongo_url)
    assert again.returncode == 0 and "migrated" not in again.stdout

    ann = await keyring.owner("ann@example.org")
    before = cli("audit", "ann@example.org", database=database, mongo_url=mongo_url)
    assert before.returncode == 0, before.stderr
    assert "personal data readable" in before.stdout and "ann@example.org" in before.stdout
    assert "hash-of-Ann" not in before.stdout  # never a password hash

    await handlers.handle(m.VerifyEmail(command_id=cid(), user_id=ann, email_version=1))
    await handlers.handle(m.DeleteAccount(command_id=cid(), user_id=ann, keep_ratings=True))
    by_address = cli("audit", "ann@example.org", database=database, mongo_url=mongo_url)
    assert by_address.returncode == 1 and "erased" in by_address.stdout
    after = cli("audit", ann, database=database, mongo_url=mongo_url)
    assert after.returncode == 0, after.stderr
    assert "deleted member, personal data erased" in after.stdout and "[erased]" in after.stdout
    assert "account-deleted" in after.stdout and "ann@example.org" not in after.stdout
    assert after.stdout.count("movie-rated/1") == 2  # kept as anonymous signal
