"""What the web tests share: the real services on a fresh database, the app on real Redis, seeding
the catalog through the event store, and reading forms out of the pages like a browser does."""
from __future__ import annotations

import contextlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
import redis.asyncio as redis
from litestar.testing import AsyncTestClient

from domain import events as e
from mybigmovie import bootstrap
from mybigmovie.settings import Settings
from tests.conftest import link_in
from web.app import create_app

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


def web_settings(database: str, var_dir: Path, port: int = 0, smtp_port: int = 1025) -> Settings:
    return Settings(mongodb_url=None, database=database, redis_url=REDIS_URL, var_dir=var_dir,
                    shared_data_dir=var_dir, host="127.0.0.1", port=port, smtp_host="127.0.0.1", smtp_port=smtp_port,
                    mail_from="test@localhost", site_url=f"http://127.0.0.1:{port}", secret_key="s" * 64)


@dataclass(frozen=True)
class Movie:
    id: int
    title: str
    year: int
    genres: tuple[str, ...]
    count: int = 0  # reference ratings, so popularity has something to order by
    mean: float = 0.0


CATALOG = [Movie(1, "Toy Story", 1995, ("Animation", "Children", "Comedy"), 57_000, 3.9),
           Movie(2, "Heat", 1995, ("Action", "Crime", "Thriller"), 24_000, 3.9),
           Movie(3, "The Godfather", 1972, ("Crime", "Drama"), 60_000, 4.3),
           Movie(4, "Clueless", 1995, ("Comedy", "Romance"), 19_000, 3.4),
           Movie(5, "Alien", 1979, ("Horror", "Sci-Fi"), 40_000, 4.0),
           Movie(6, "Obscure Gem", 2003, ("Drama",), 3, 5.0)]


def movie_listed(movie: Movie) -> e.MovieListed:
    reference = e.RatingSummary(count=movie.count, mean=movie.mean, source="test") if movie.count else None
    return e.MovieListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc),
                         movie_id=movie.id, title=movie.title, year=movie.year, genres=movie.genres,
                         reference=reference, source="test")


async def seed(services: bootstrap.Services, events: list[e.Event]) -> None:
    """Record catalog facts through the real store and project them."""
    await services.store.append(events[0].stream, None, events)
    await services.projector.run_once()


@contextlib.asynccontextmanager
async def web_client(settings: Settings, mongo_url: str, base_url: str = "http://127.0.0.1", inbox=None,
                     another_process_of=None):
    """The app with services of its own on the same database (the test client runs it in an event
    loop of its own, and a Mongo client belongs to one loop), and Redis keys of its own (removed after).
    ``inbox`` (the SMTP server the settings point at) is kept on the client for ``join``. With
    ``another_process_of`` (a client), the app is another web process of that client's site: the same
    Redis keys (sessions, throttles), its own memory."""
    namespace = another_process_of.namespace if another_process_of else f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(settings, mongo_url), settings, redis_namespace=namespace)
    async with AsyncTestClient(app, base_url=base_url) as client:
        client.follow_redirects = False  # see each 303 as a browser gets it
        client.inbox = inbox
        client.namespace = namespace
        yield client
    if another_process_of:
        return
    async with redis.from_url(REDIS_URL) as connection:
        async for key in connection.scan_iter(f"{namespace}:*"):
            await connection.delete(key)


class Forms(HTMLParser):
    """Each form of a page: its action and the values it would send as it stands."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append((attributes.get("action") or "", {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            if attributes.get("type") not in ("radio", "checkbox") or "checked" in attributes:
                self.forms[-1][1][attributes["name"]] = attributes.get("value") or ""


def form(html: str, action: str) -> dict[str, str]:
    """The fields of the first form posting to ``action`` (hidden ones included: CSRF, command id)."""
    for found, fields in Forms(html).forms:
        if found == action:
            return dict(fields)
    raise AssertionError(f"no form with action {action!r} on the page")


def csrf_token(html: str) -> str:
    """The page's CSRF token, as htmx sends it (every page carries it in <body hx-headers>)."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


async def sign_up(client: AsyncTestClient, email: str, name: str = "Ann", password: str = PASSWORD):
    """Fill in and send the sign-up form (this logs nobody in: the address is to be confirmed)."""
    page = await client.get("/signup")
    fields = form(page.text, "/signup") | {"email": email, "display_name": name, "password": password}
    return await client.post("/signup", data=fields)


async def follow_link(client: AsyncTestClient, path: str, extra: dict | None = None):
    """Open an e-mailed link (``path`` with its token) and press the page's button."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(path.split("?")[0], data=form(page.text, path.split("?")[0]) | (extra or {}))


async def confirm_address(client: AsyncTestClient, email: str, count: int = 1):
    """Follow the newest confirmation link sent to ``email``."""
    [*_, message] = await client.inbox.wait_for(email, "Confirm your e-mail", count=count)
    return await follow_link(client, link_in(message, "/account/verify"))


async def join(client: AsyncTestClient, email: str, name: str = "Ann", password: str = PASSWORD):
    """Sign up, confirm the address from the e-mail, and log in: a member, as a person becomes one."""
    assert (await sign_up(client, email, name, password)).status_code == 200
    assert (await confirm_address(client, email)).status_code == 303
    response = await log_in(client, email, password)
    assert response.status_code == 303, response.text
    return response


async def log_in(client: AsyncTestClient, email: str, password: str = PASSWORD):
    page = await client.get("/login")
    return await client.post("/login", data=form(page.text, "/login") | {"email": email, "password": password})


def session_id(client: AsyncTestClient) -> str | None:
    return client.cookies.get("mbm_session")


def use_session(client: AsyncTestClient, value: str) -> None:
    """Put this session id in the browser's cookie jar, in place of any it has."""
    client.cookies.delete("mbm_session")
    client.cookies.set("mbm_session", value, domain=client.base_url.host)


@pytest.fixture
async def web_services(database, mongo_url: str, tmp_path: Path, smtp_inbox):
    """The real services (event store, projector, handlers) on this test's fresh database, for the
    test itself to seed the catalog and look at the log; e-mail goes to ``smtp_inbox``."""
    async with bootstrap.services(web_settings(database.name, tmp_path, smtp_port=smtp_inbox.port),
                                  mongo_url) as running:
        yield running


@pytest.fixture
async def site(web_services: bootstrap.Services, mongo_url: str, smtp_inbox):
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


@pytest.fixture
async def catalog(web_services: bootstrap.Services) -> list[Movie]:
    """The movies of CATALOG, listed and projected before the site starts (request it before ``site``)."""
    await seed(web_services, [movie_listed(movie) for movie in CATALOG])
    return CATALOG


@pytest.fixture
async def movie_site(catalog: list[Movie], web_services: bootstrap.Services, mongo_url: str, smtp_inbox):
    """The site with CATALOG listed (seeded before it starts)."""
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


def titles(html: str) -> list[str]:
    """The movie titles of a page's cards, in order."""
    return re.findall(r'<li class="card" id="movie-\d+">.*?<h3><a href="/movies/\d+">([^<]+)</a>', html, re.S)
