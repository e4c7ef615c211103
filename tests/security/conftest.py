"""What the security suite shares: the routes to attack, read from the app itself; a site with a movie
and a show to aim at; CSRF tokens handled as an attacker handles them; several app instances on one
Redis namespace (as several web processes run); and the site under a real HTTP server for timing.

The routes are enumerated from ``create_app`` at collection time, so a route added to the app is
attacked by every test parametrized with ``UNSAFE_ROUTES`` without anybody editing this suite.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
import uvicorn
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from domain import events as e
from mybigmovie import bootstrap
from tests.conftest import running_inbox
from tests.integration.web_harness import (CATALOG, PASSWORD, REDIS_URL, catalog, csrf_token, movie_listed,  # noqa: F401
                                           seed, web_services, web_settings)
from tests.members import new_member
from web.app import create_app

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION, CSRF = "mbm_session", "mbm_csrf"


def _routes(methods: frozenset[str], csrf_exempt: bool | None = None) -> list[tuple[str, str]]:
    """(method, path template) of every route handler of the app that accepts one of ``methods``
    (with ``csrf_exempt``, only those whose handler is, or is not, excluded from the CSRF check)."""
    app = create_app(lambda: contextlib.nullcontext(None), web_settings("routes", Path(tempfile.gettempdir())))
    key = app.csrf_config.exclude_from_csrf_key
    found = {(method, route.path) for route in app.routes for handler in getattr(route, "route_handlers", ())
             for method in handler.http_methods & methods
             if csrf_exempt is None or bool(handler.opt.get(key)) == csrf_exempt}
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


UNSAFE_ROUTES = _routes(UNSAFE_METHODS)
# Routes a mail client posts to, where the signed link in the path is the authority (docs/SECURITY.md 3.5.1).
CSRF_EXEMPT_ROUTES = _routes(UNSAFE_METHODS, csrf_exempt=True)
ROUTE_IDS = [f"{method} {path}" for method, path in UNSAFE_ROUTES]
# Every route, safe or not, whose path holds an integer id.
ALL_ROUTES = _routes(UNSAFE_METHODS | {"GET"})
ID_ROUTES = [(method, path) for method, path in ALL_ROUTES if re.search(r"\{\w+:int\}", path)]


def fill(path: str, value: str = "1") -> str:
    """The path with every parameter given ``value`` (1: the movie, show, season and episode seeded)."""
    return re.sub(r"\{[^}]+\}", value, path)


# --- a site with something behind every id ---------------------------------------------------------

SHOW = e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test-show", occurred_at=datetime.now(timezone.utc),
                    show_id=1, title="A Show", imdb_id="tt0000001", year=2008, genres=("Drama",), summary="A show.",
                    imdb_rating=8.0, imdb_votes=1000, episodes=(e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"),),
                    source="test")


MEMBER, VICTIM = "ann@example.org", "victim@example.org"
VICTIM_PASSWORD = "the victim's own password"


@pytest.fixture
async def target(catalog, web_services, mongo_url, smtp_inbox):
    """The site with movie 1 and show 1 (season 1 episode 1) listed, so ``fill(path)`` reaches a real
    thing behind each route and an attack is refused for what it is, not for a missing movie; and
    two confirmed members made before it starts: MEMBER (the attacker's own account, password
    ``web_harness.PASSWORD``) and VICTIM (whose password the attacker does not know)."""
    await seed(web_services, [SHOW])
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await new_member(web_services.handlers, VICTIM, "Victim", VICTIM_PASSWORD)
    await web_services.projector.run_once()
    async with app_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


@contextlib.asynccontextmanager
async def app_client(settings, mongo_url: str, namespace: str | None = None, inbox=None,
                     base_url: str = "http://127.0.0.1"):
    """Like ``web_harness.web_client``, but the Redis namespace (sessions, throttle) can be given, so
    two app instances share it exactly as two web processes of one deployment do."""
    own = namespace is None
    namespace = namespace or f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(settings, mongo_url), settings, redis_namespace=namespace)
    async with AsyncTestClient(app, base_url=base_url) as client:
        client.follow_redirects = False
        client.inbox = inbox
        client.namespace = namespace
        yield client
    if own:
        await drop_namespace(namespace)


@pytest.fixture(scope="module")
async def shared_target(mongo_url: str, tmp_path_factory):
    """What ``target`` is, made once for a whole module: for attacks that are refused before they
    change anything (or change only the attacker's own account), so that enumerating every route
    does not cost a fresh database per route. Yields (client, services); each test starts with an
    empty cookie jar and the throttle cleared."""
    mongo = AsyncMongoClient(mongo_url, tz_aware=True)
    name = f"test_{uuid.uuid4().hex[:12]}"
    try:
        with running_inbox() as inbox:
            settings = web_settings(name, tmp_path_factory.mktemp("security"), smtp_port=inbox.port)
            async with bootstrap.services(settings, mongo_url) as services:
                await seed(services, [movie_listed(movie) for movie in CATALOG])
                await seed(services, [SHOW])
                await new_member(services.handlers, MEMBER, "Ann", PASSWORD)
                await new_member(services.handlers, VICTIM, "Victim", VICTIM_PASSWORD)
                await services.projector.run_once()
                async with app_client(settings, mongo_url, inbox=inbox) as client:
                    yield client, services
    finally:
        await mongo.drop_database(name)
        await mongo.close()


@pytest.fixture
async def fresh(shared_target):
    """The module's shared site, as a new visitor finds it: no cookies, no throttle counts."""
    client, services = shared_target
    client.cookies.clear()
    await drop_namespace(client.namespace, "throttle:*")
    return client, services


async def drop_namespace(namespace: str, pattern: str = "*") -> None:
    async with redis.from_url(REDIS_URL) as connection:
        async for key in connection.scan_iter(f"{namespace}:{pattern}"):
            await connection.delete(key)


@pytest.fixture
def shared_namespace():
    return f"mbm-test-shared-{uuid.uuid4().hex[:10]}"


# --- CSRF tokens as an attacker handles them -------------------------------------------------------

def cookies_of(client) -> dict[str, str]:
    return {name: value for name in (SESSION, CSRF) if (value := client.cookies.get(name))}


def cookie_header(cookies: dict[str, str | None]) -> dict[str, str]:
    """An explicit Cookie header (it replaces the client's jar for this one request)."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items() if value)}


async def fresh_pair(client) -> tuple[str, str]:
    """The (cookie, field) CSRF pair another visitor gets on their first page, taken through the
    same site without disturbing ``client``'s own cookies."""
    saved = cookies_of(client)
    response = await client.get("/login", headers={"Cookie": ""})  # an explicit header: the jar is not sent
    restore(client, saved)
    return response.cookies[CSRF], csrf_token(response.text)


def restore(client, cookies: dict[str, str]) -> None:
    """Put exactly ``cookies`` in the client's jar."""
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value, domain=client.base_url.host)


def forged_token() -> str:
    """A token of the right shape (64 hex of secret, 64 hex of HMAC) that the server never signed."""
    return secrets.token_hex(64)


# --- the site under a real HTTP server ----------------------------------------------------------------

@contextlib.asynccontextmanager
async def serving(app, **options):
    """``app`` under uvicorn on a free loopback port (``options`` go to uvicorn.Config); yields its URL."""
    config = uvicorn.Config(app, **{"lifespan": "on", "log_level": "warning", **options, "host": "127.0.0.1", "port": 0})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task.exception()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def served(web_services, mongo_url):
    """The site under uvicorn on a free port, with its own services as ``mybigmovie serve`` runs it: a
    client then times what a visitor waits for (the response), not the work done after it (the
    e-mail, a background task) as the in-process test client would. Yields (base url, namespace)."""
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(web_services.settings, mongo_url), web_services.settings,
                     redis_namespace=namespace)
    try:
        async with serving(app) as url:
            yield url, namespace
    finally:
        await drop_namespace(namespace)


@contextlib.asynccontextmanager
async def browser(base_url: str):
    async with httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=30) as client:
        yield client
