"""What the picks e-mail tests share: a site with enough movies and shows for two e-mails, members
mailed through the real outbox (planned, claimed, composed, sent over SMTP to the test's inbox,
recorded), and the links read out of what arrived."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from commands import messages as m
from domain import events as e
from mybigmovie import bootstrap
from tests.integration.web_harness import CATALOG, Movie, movie_listed, seed, web_client
from workers import outbox

MORE = [Movie(7, "Fargo", 1996, ("Crime",), 30_000, 4.1), Movie(8, "Brazil", 1985, ("Sci-Fi",), 9_000, 3.9),
        Movie(9, "Psycho", 1960, ("Horror",), 25_000, 4.2), Movie(10, "Up", 2009, ("Animation",), 20_000, 3.8),
        Movie(11, "Rocky", 1976, ("Drama",), 15_000, 3.7), Movie(12, "Amélie", 2001, ("Comedy",), 28_000, 4.1)]
SHOWS = {903747: "Breaking Bad", 944947: "Game of Thrones", 386676: "The Office", 475784: "Westworld"}


def show_listed(show_id: int, title: str, votes: int) -> e.ShowListed:
    return e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test-shows", occurred_at=datetime.now(timezone.utc),
                        show_id=show_id, title=title, imdb_id=f"tt{show_id:07d}", year=2008, genres=("Drama",),
                        imdb_rating=8.5, imdb_votes=votes, episodes=(e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"),),
                        source="test")


@pytest.fixture
async def mail_site(web_services: bootstrap.Services, mongo_url: str, smtp_inbox):
    """The site with twelve movies and four shows listed (seeded before it starts)."""
    await seed(web_services, [movie_listed(movie) for movie in CATALOG + MORE])
    await seed(web_services, [show_listed(show, title, 100_000 - i) for i, (show, title) in enumerate(SHOWS.items())])
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


async def user_of(services: bootstrap.Services, email: str) -> str:
    return await services.keyring.owner(email)


async def mail_picks(services: bootstrap.Services, inbox, email: str, occasion: str, count: int = 1) -> EmailMessage:
    """Send the member's picks for ``occasion`` through the real outbox; the ``count``-th picks
    e-mail to arrive at ``email``. The profile is projected after it, as the projector would."""
    await services.projector.run_once()
    assert await outbox.send(services, await user_of(services, email), occasion) == "sent"
    await services.projector.run_once()
    subject = "Welcome to MyBigMovie" if occasion == "welcome" else "for this week"
    return (await inbox.wait_for(email, subject, count=count))[count - 1]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def links_in(message: EmailMessage, path: str) -> list[str]:
    """Every link of the text part to ``path`` (its path and query only), in order."""
    return re.findall(r"https?://[^/\s]+(" + re.escape(path) + r"\?token=[^\s]+)", text_of(message))


def unsubscribe_path(message: EmailMessage) -> str:
    """The path of the ``List-Unsubscribe`` URL, as a mail client posts to it."""
    [url] = re.fullmatch(r"<([^>]+)>", str(message["List-Unsubscribe"])).groups()
    return urlsplit(url).path


async def events_of(services: bootstrap.Services, email: str, kind: type) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{await user_of(services, email)}")
            if isinstance(r.event, kind)]


async def rate(services: bootstrap.Services, email: str, movie_id: int, stars: float) -> None:
    await services.handlers.handle(m.RateMovie(command_id=uuid.uuid4().hex, user_id=await user_of(services, email),
                                               movie_id=movie_id, rating=stars))


async def rate_show(services: bootstrap.Services, email: str, show_id: int, stars: float) -> None:
    await services.handlers.handle(m.RateShow(command_id=uuid.uuid4().hex, user_id=await user_of(services, email),
                                              show_id=show_id, rating=stars))
