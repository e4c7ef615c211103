"""The composition root: the only place that picks concrete adapters and wires them together."""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from typing import AsyncIterator, Iterator

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from mybigmovie.embedded import EmbeddedMongo
from mybigmovie.mailer import SmtpMailer
from mybigmovie.passwords import HashGate, Passwords
from mybigmovie.settings import Settings
from projections.api_tokens import ApiTokens
from projections.catalog_port import ReadModelCatalog
from projections.daemon import Projector
from projections.dismissals import DismissalsProjection
from projections.history import History
from projections.hot_catalog import HotCatalog
from projections.mailings import Mailings
from projections.movies import Movies
from projections.registry import Registry
from projections.ratings_matrix import RatingsMatrixProjection
from projections.read_side import ReadSide
from projections.runner import Projection
from projections.shows import Shows
from projections.user_profiles import UserProfiles

def all_projections() -> list[Projection]:
    """Every read model, in the order a replay rebuilds them."""
    return [UserProfiles(), Movies(), Shows(), RatingsMatrixProjection(), DismissalsProjection(), Mailings(), History(),
            ApiTokens()]


@dataclass
class Services:
    settings: Settings
    client: AsyncMongoClient
    database: AsyncDatabase
    store: MongoEventStore
    registry: Registry
    handlers: CommandHandlers
    projector: Projector
    client_url: str
    keyring: MongoKeyring
    passwords: Passwords
    mailer: SmtpMailer
    reads: ReadSide  # its catalog loads on first use; a web process loads it at start


@contextlib.contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """The MongoDB URL to use: MONGODB_URL; else the embedded nx-27017 another process of ours is
    running on var/db; else one started here for the duration (two servers on one SQLite file
    would not see each other's writes, so a lock file decides who owns it)."""
    if settings.mongodb_url:
        yield settings.mongodb_url
        return
    data_dir = settings.var_dir / "db"
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "server.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield _running_server_url(lock)
            return
        with EmbeddedMongo(data_dir) as server:
            lock.seek(0), lock.truncate(), lock.write(server.url), lock.flush()
            try:
                yield server.url
            finally:
                lock.seek(0), lock.truncate()


def _running_server_url(lock) -> str:
    for _ in range(300):  # the owner writes its URL right after the server answers
        lock.seek(0)
        if url := lock.read().strip():
            return url
        time.sleep(0.1)
    raise RuntimeError("another mybigmovie process holds var/db but published no server URL")


MONGODB_TIMEOUT_MS = 5000


@contextlib.asynccontextmanager
async def services(settings: Settings, mongodb_url: str) -> AsyncIterator[Services]:
    # A database that does not answer fails an operation within seconds (a page gets a 503),
    # not after PyMongo's default 30 s; a replica set's election takes about as long as this allows.
    client = AsyncMongoClient(mongodb_url, tz_aware=True, serverSelectionTimeoutMS=MONGODB_TIMEOUT_MS)
    try:
        database = client[settings.database]
        store = MongoEventStore(database)
        await store.create_indexes()
        registry = Registry(database)
        keyring = MongoKeyring(database)
        await keyring.create_indexes()
        # One argon2 hash per core on the machine, shared out among the web processes.
        passwords = Passwords(HashGate(limit=max(1, (os.cpu_count() or 1) // settings.web_processes)))
        handlers = CommandHandlers(store, ReadModelCatalog(registry), keyring, passwords.hash)
        yield Services(settings, client, database, store, registry, handlers,
                       Projector(store, registry, all_projections()), mongodb_url, keyring, passwords,
                       SmtpMailer(settings.smtp_host, settings.smtp_port),
                       ReadSide(registry, HotCatalog(registry), keyring))
    finally:
        await client.close()
