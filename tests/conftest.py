"""Shared fixtures: one real database server for the whole run, a fresh database per test.

MONGODB_URL points the suite at a real MongoDB; otherwise the embedded nx-27017 is started.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
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
