"""TV shows over HTTP: a show's seasons and episodes, and rating the show and an episode."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from domain import events as e
from tests.integration.web_harness import form, join, seed, web_client, web_services  # noqa: F401


@pytest.fixture
async def show_site(web_services, mongo_url, smtp_inbox):
    episodes = (e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"), e.EpisodeEntry(1, 2, None, "2008-01-27"),
                e.EpisodeEntry(2, 1, "Seven Thirty-Seven", "2009-03-08"))
    await seed(web_services, [e.ShowListed(
        event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc), show_id=903747,
        title="Breaking Bad", imdb_id="tt0903747", year=2008, genres=("Crime", "Drama"), summary="A teacher turns.",
        imdb_rating=9.5, imdb_votes=2_000_000, episodes=episodes, source="test")])
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


async def test_a_show_lists_its_seasons_and_episodes(show_site):
    assert "Breaking Bad" in (await show_site.get("/shows")).text
    page = (await show_site.get("/shows/903747")).text
    assert "Season 1" in page and "Season 2" in page
    assert "Pilot" in page and "Episode 2" in page and "Seven Thirty-Seven" in page  # unnamed: "Episode N"


async def test_a_member_rates_a_show_and_one_of_its_episodes(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get("/shows/903747")).text
    show = await show_site.post("/shows/903747/rating", data=form(page, "/shows/903747/rating") | {"rating": "5"})
    assert show.status_code == 303
    page = (await show_site.get("/shows/903747")).text
    action = "/shows/903747/episodes/1/2/rating"
    episode = await show_site.post(action, data=form(page, action) | {"rating": "3.5"})
    assert episode.status_code == 303
    page = (await show_site.get("/shows/903747")).text
    assert "Your rating of the show: <span class=\"current\">5 of 5 stars" in page
    assert "3.5 of 5 stars" in page
    assert "Breaking Bad" in (await show_site.get("/me")).text


async def test_an_episode_that_does_not_exist_cannot_be_rated(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get("/shows/903747")).text
    fields = form(page, "/shows/903747/episodes/1/1/rating") | {"rating": "4"}
    response = await show_site.post("/shows/903747/episodes/9/9/rating", data=fields)
    assert response.status_code == 422 and "has no season 9 episode 9" in response.text
