"""The composition root: the only place that picks concrete adapters and wires them together."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Iterator

from argon2 import PasswordHasher
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from commands.handlers import CommandHandlers
from commands.mongo_store import MongoEventStore
from mybigmovie.embedded import EmbeddedMongo
from mybigmovie.settings import Settings
from projections.catalog_port import ReadModelCatalog
from projections.daemon import Projector
from projections.registry import Registry
from projections.runner import Projection
from projections.user_profiles import UserProfiles

# argon2id with the library's defaults (RFC 9106 low-memory profile).
password_hasher = PasswordHasher()


def all_projections() -> list[Projection]:
    """Every read model, in the order a replay rebuilds them."""
    return [UserProfiles()]


@dataclass
class Services:
    settings: Settings
    client: AsyncMongoClient
    database: AsyncDatabase
    store: MongoEventStore
    registry: Registry
    handlers: CommandHandlers
    projector: Projector


@contextlib.contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """The MongoDB URL to use: MONGODB_URL, or the embedded nx-27017 started for the duration."""
    if settings.mongodb_url:
        yield settings.mongodb_url
        return
    with EmbeddedMongo(settings.var_dir / "db") as server:
        yield server.url


@contextlib.asynccontextmanager
async def services(settings: Settings, mongodb_url: str) -> AsyncIterator[Services]:
    client = AsyncMongoClient(mongodb_url, tz_aware=True)
    try:
        database = client[settings.database]
        store = MongoEventStore(database)
        await store.create_indexes()
        registry = Registry(database)
        handlers = CommandHandlers(store, ReadModelCatalog(registry), password_hasher.hash)
        yield Services(settings, client, database, store, registry, handlers,
                       Projector(store, registry, all_projections()))
    finally:
        await client.close()
