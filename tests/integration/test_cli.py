"""The command line, run as a user runs it: a subprocess against the test database."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from tests.members import new_member


class AnyTitle:
    async def has_movie(self, movie_id): return True
    async def has_show(self, show_id): return True
    async def has_episode(self, show_id, season, episode): return True


def cli(*args: str, database, mongo_url) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": database.name, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "mybigmovie.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
async def ann(database):
    store = MongoEventStore(database)
    await store.create_indexes()
    keyring = MongoKeyring(database)
    await keyring.create_indexes()

    async def hash_password(password: str) -> str:
        return "argon2-hash"
    handlers = CommandHandlers(store, AnyTitle(), keyring, hash_password=hash_password)
    user_id = await new_member(handlers, "ann@example.org", "Ann", "correct horse")  # signed up and confirmed
    await handlers.handle(m.RateMovie(command_id=uuid.uuid4().hex, user_id=user_id, movie_id=296, rating=4.5))
    await handlers.handle(m.MarkNotSeen(command_id=uuid.uuid4().hex, user_id=user_id, movie_id=1))
    return user_id


async def test_audit_prints_a_users_history_readably(ann, database, mongo_url):
    result = cli("audit", "ann@example.org", database=database, mongo_url=mongo_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "4 events" in out
    assert (out.index("user-signed-up/2") < out.index("email-verified/1") < out.index("movie-rated/1")
            < out.index("marked-not-seen/1"))
    assert '"rating": 4.5' in out and "argon2-hash" not in out  # never print password hashes
    assert cli("audit", ann, database=database, mongo_url=mongo_url).stdout == out


async def test_audit_of_an_unknown_or_malformed_user_says_so(ann, database, mongo_url):
    result = cli("audit", "nobody@example.org", database=database, mongo_url=mongo_url)
    assert result.returncode == 1 and "No account for nobody@example.org" in result.stdout
    result = cli("audit", "not an address", database=database, mongo_url=mongo_url)
    assert result.returncode == 1 and "valid e-mail" in result.stderr and "Traceback" not in result.stderr


async def test_events_prints_the_log_in_order(ann, database, mongo_url):
    result = cli("events", "--after", "0", database=database, mongo_url=mongo_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2", "3", "4"]
    assert "argon2-hash" not in result.stdout and "ann@example.org" not in result.stdout  # sealed in the log


async def test_replay_rebuilds_and_reports(ann, database, mongo_url):
    result = cli("replay", database=database, mongo_url=mongo_url)
    assert result.returncode == 0, result.stderr
    assert "user_profiles: rebuilt into user_profiles__" in result.stdout
    assert "up to position 4" in result.stdout
    bad = cli("replay", "--only", "nope", database=database, mongo_url=mongo_url)
    assert bad.returncode == 1 and "no read model is called 'nope'" in bad.stderr
