"""Shared fixtures: one real database server for the whole run, a fresh database per test.

MONGODB_URL points the suite at a real MongoDB; otherwise the embedded nx-27017 is started.
"""
from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import socket
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pymongo import AsyncMongoClient

from mybigmovie.embedded import EmbeddedMongo


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory):
    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    server = EmbeddedMongo(tmp_path_factory.mktemp("nx-27017"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def backend(mongo_url: str) -> str:
    """'mongodb' or 'nx-27017': the few tests of a known difference assert the side they are on."""
    return "mongodb" if os.environ.get("MONGODB_URL") else "nx-27017"


@pytest.fixture
async def client(mongo_url: str):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
async def database(client: AsyncMongoClient):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield client[name]
    await client.drop_database(name)


@pytest.fixture
def shared_data() -> Path:
    path = Path(os.environ.get("MYBIGMOVIE_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
    if not path.exists():
        pytest.skip(f"the real data sets are not at {path} (set MYBIGMOVIE_DATA_DIR)")
    return path


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str, subject: str = "") -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address and subject in m["Subject"]]

    async def wait_for(self, address: str, subject: str = "", count: int = 1, timeout: float = 10.0):
        """The messages to ``address`` whose subject contains ``subject``, once there are ``count``."""
        for _ in range(int(timeout * 20)):
            if len(found := self.to(address, subject)) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} message(s) to {address} about {subject!r}: {[m['Subject'] for m in self.messages]}")


def link_in(message: email.message.EmailMessage, path: str) -> str:
    """The first link in the message's text that goes to ``path`` (its path and query only)."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\?token=[^\s]+)", message.get_content())
    if not found:
        raise AssertionError(f"no link to {path} in {message.get_content()!r}")
    return found.group(1)


@contextlib.contextmanager
def running_inbox():
    """A real SMTP server (aiosmtpd) on a free loopback port, for as long as the block runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    handler.port = port
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox():
    with running_inbox() as inbox:
        yield inbox
