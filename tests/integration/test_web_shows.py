"""TV shows over HTTP: the list and its filters, a show's seasons (each loaded when opened, or on a
page of its own) and episodes by their names, rating the show and its episodes (one form per season)
and removing those ratings, putting a show aside ("not seen", "not interested"), similar shows and
"because you rated" from a model — without JavaScript (forms and redirects) and with htmx (widgets
swapped in place) — against the real event store, projector and Redis."""
from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from commands.importers import detect, import_sources
from domain import events as e
from domain.accounts import stream_for
from recommender import artifact
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import PRESETS
from recommender.tv import show_item_id
from tests.integration.web_harness import (CATALOG, csrf_token, form, join, movie_listed, seed,  # noqa: F401
                                           web_client, web_services)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

BREAKING_BAD, SOPRANOS, FRIENDS, THRONES = 903747, 141842, 108778, 944947
BY_POPULARITY = ["Breaking Bad", "Game of Thrones", "The Sopranos", "Friends"]


def listed(show_id: int, title: str, year: int, genres: tuple[str, ...], votes: int, rating: float,
           episodes: tuple[e.EpisodeEntry, ...] = ()) -> e.ShowListed:
    return e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc),
                        show_id=show_id, title=title, imdb_id=f"tt{show_id:07d}", year=year, genres=genres,
                        summary=f"{title}.", imdb_rating=rating, imdb_votes=votes, episodes=episodes, source="test")


async def seed_while_serving(site, services, show: e.ShowListed) -> None:
    """A show listed while the site runs: its catalog in memory follows the read models within its
    staleness bound (HotCatalog.max_staleness), so wait (bounded) until the site's page shows it."""
    await seed(services, [show])
    for _ in range(50):
        if (await site.get(f"/shows/{show.show_id}")).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"show {show.show_id} never reached the site's catalog")


@pytest.fixture
async def show_site(web_services, mongo_url, smtp_inbox):
    episodes = (e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"), e.EpisodeEntry(1, 2, None, "2008-01-27"),
                e.EpisodeEntry(2, 1, "Seven Thirty-Seven", "2009-03-08"))
    await seed(web_services, [
        listed(BREAKING_BAD, "Breaking Bad", 2008, ("Crime", "Drama"), 2_000_000, 9.5, episodes),
        listed(THRONES, "Game of Thrones", 2011, ("Drama", "Fantasy"), 2_200_000, 9.2),
        listed(SOPRANOS, "The Sopranos", 1999, ("Crime", "Drama"), 500_000, 9.2),
        listed(FRIENDS, "Friends", 1994, ("Comedy", "Romance"), 1_000_000, 8.9)])
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


def shows(html: str) -> list[str]:
    """The show titles of a page's cards, in order."""
    return re.findall(r'<li class="card" id="show-\d+">.*?<h3><a href="/shows/\d+">([^<]+)</a>', html, re.S)


def htmx(html: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRFToken": csrf_token(html)}


async def events_of(services, email: str) -> list[str]:
    user_id = await services.keyring.owner(email)
    return [type(r.event).__name__ for r in await services.store.read_stream(stream_for(user_id))]


async def post_form(client, page_path: str, action: str, extra: dict | None = None, headers: dict | None = None):
    """Open ``page_path`` and send its form posting to ``action`` (with ``extra`` fields)."""
    page = (await client.get(page_path)).text
    return await client.post(action, data=form(page, action) | (extra or {}), headers=headers)


JOINED = ["UserSignedUp", "EmailVerified"]


# --- the list, a show's page ---------------------------------------------------------------------------

async def test_a_show_lists_its_seasons_and_each_season_its_episodes_by_their_names(show_site):
    assert "Breaking Bad" in (await show_site.get("/shows")).text
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    # the show's page lists its seasons, closed: each opens its episodes (htmx) or links to them
    seasons = re.findall(r'<details class="season" id="season-(\d+)" hx-get="([^"]+)" hx-trigger="toggle once"', page)
    assert seasons == [("1", f"/shows/{BREAKING_BAD}/seasons/1"), ("2", f"/shows/{BREAKING_BAD}/seasons/2")]
    assert f'<a href="/shows/{BREAKING_BAD}/seasons/1">' in page and "Pilot" not in page
    # a season's page lists its episodes by name (one no source names is "Episode N"), with the way around
    one = (await show_site.get(f"/shows/{BREAKING_BAD}/seasons/1")).text
    assert re.findall(r'<span class="ep-title">([^<]+)</span>', one) == ["Pilot", "Episode 2"]
    assert "2008-01-20" in one and f'<a href="/shows/{BREAKING_BAD}/seasons/2" rel="next">' in one
    two = (await show_site.get(f"/shows/{BREAKING_BAD}/seasons/2")).text
    assert re.findall(r'<span class="ep-title">([^<]+)</span>', two) == ["Seven Thirty-Seven"]
    assert f'<a href="/shows/{BREAKING_BAD}/seasons/1" rel="prev">' in two and 'rel="next"' not in two
    # a visitor is asked to log in, and is shown no form
    assert "to rate its episodes" in one and "/seasons/1/ratings" not in one
    assert f"/login?next=/shows/{BREAKING_BAD}/seasons/1" in one


async def test_htmx_gets_only_the_seasons_episodes_from_the_same_url(show_site):
    await join(show_site, "ann@example.org")
    response = await show_site.get(f"/shows/{BREAKING_BAD}/seasons/1", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div class="season-episodes">\n<form class="season-form" method="post" '
                                             f'action="/shows/{BREAKING_BAD}/seasons/1/ratings"')
    assert "Pilot" in response.text and response.text.count("<form") == 1 and response.text.count("<select") == 2


async def test_a_season_or_show_that_does_not_exist_is_not_found(show_site):
    for path in (f"/shows/{BREAKING_BAD}/seasons/3", f"/shows/{BREAKING_BAD}/seasons/0", "/shows/4242/seasons/1",
                 f"/shows/{BREAKING_BAD}/seasons/1001", f"/shows/{BREAKING_BAD}/seasons/-1",
                 f"/shows/{BREAKING_BAD}/seasons/{2**63}", f"/shows/{BREAKING_BAD}/seasons/x"):
        response = await show_site.get(path)
        assert response.status_code == 404 and "Traceback" not in response.text, path
    assert "Breaking Bad has no season 3" in (await show_site.get(f"/shows/{BREAKING_BAD}/seasons/3")).text


async def test_a_long_show_renders_no_episode_form_until_a_season_is_opened(show_site, web_services):
    # given a show of 8 seasons of 10 episodes, and a member who rated some of season 2
    episodes = tuple(e.EpisodeEntry(s, n, f"Chapter {s}.{n}") for s in range(1, 9) for n in range(1, 11))
    await seed_while_serving(show_site, web_services,
                             listed(4242, "The Long One", 2011, ("Drama",), 1000, 8.0, episodes))
    await join(show_site, "ann@example.org")
    await post_form(show_site, "/shows/4242/seasons/2", "/shows/4242/seasons/2/ratings", {"e3": "4", "e4": "2.5"})
    # when she opens its page
    page = (await show_site.get("/shows/4242")).text
    # then no episode has a form (the show's own widget, log-out, search and the language switch are the page's forms)
    assert page.count("<form") == 6 and "/episodes/" not in page and "<select" not in page
    assert page.count('<details class="season"') == 8 and "Chapter" not in page
    assert re.search(r'Season 2 <span class="hint">10 episodes<span id="season-2-mine"> · you rated 2</span>', page)
    # and a season holds one form for its ten episodes, with her ratings in it
    season = (await show_site.get("/shows/4242/seasons/2", headers={"HX-Request": "true"})).text
    assert season.count("<form") == 1 and season.count("<select") == 10 and 'type="radio"' not in season
    assert season.count(" selected>") == 10 and '<option value="4.0" selected>' in season


async def test_the_list_filters_by_genre_and_decade(show_site):
    assert shows((await show_site.get("/shows")).text) == BY_POPULARITY
    assert shows((await show_site.get("/shows?genre=Crime")).text) == ["Breaking Bad", "The Sopranos"]
    # the filters form (the one list_filters partial of /movies and /shows) asks this list, keeping the choice
    crime = (await show_site.get("/shows?genre=Crime")).text
    form(crime, "/shows")  # (raises when no form asks /shows)
    assert '<option value="Crime" selected>' in crime
    assert shows((await show_site.get("/shows?decade=1990")).text) == ["The Sopranos", "Friends"]
    assert shows((await show_site.get("/shows?genre=Crime&decade=1990")).text) == ["The Sopranos"]
    assert shows((await show_site.get("/shows?genre=&decade=")).text) == BY_POPULARITY
    assert shows((await show_site.get("/shows?genre=Western")).text) == []
    page = (await show_site.get("/shows?genre=Comedy")).text
    assert '<option value="Comedy" selected>' in page and '<option value="Fantasy" >' in page  # the shows' genres
    for bad in ("/shows?decade=1995", "/shows?decade=abc", "/shows?genre=" + "x" * 61, "/shows?page=0"):
        assert (await show_site.get(bad)).status_code == 400, bad


async def test_htmx_gets_only_the_filtered_list_from_the_same_url(show_site):
    response = await show_site.get("/shows?genre=Crime", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="results"') and "<html" not in response.text
    assert shows(response.text) == ["Breaking Bad", "The Sopranos"]
    assert 'hx-get="/shows?genre=Crime" hx-trigger="rated from:body"' in response.text  # refreshes itself


# --- ratings and removing them ------------------------------------------------------------------------------

SEASON_1 = f"/shows/{BREAKING_BAD}/seasons/1"
RATE_SEASON_1 = f"{SEASON_1}/ratings"


def selected(html: str) -> dict[str, str]:
    """Each episode select's chosen value, by its name ("e<number>")."""
    return dict(re.findall(r'<select[^>]* name="(e\d+)"[^>]*>.*?<option value="([^"]*)" selected>', html, re.S))


async def test_a_long_season_comes_in_parts_each_with_its_own_form(show_site, web_services):
    # given a season of 120 episodes
    episodes = tuple(e.EpisodeEntry(1, n, None) for n in range(1, 121))
    await seed_while_serving(show_site, web_services,
                             listed(4343, "The Daily One", 2001, ("Soap",), 1000, 6.0, episodes))
    await join(show_site, "ann@example.org")
    # its page shows the first 50, and links to the others
    first = (await show_site.get("/shows/4343/seasons/1")).text
    assert first.count("<select") == 50 and "1×50</span>" in first and "1×51</span>" not in first
    assert '<span aria-current="page">1–50</span>' in first
    assert re.findall(r'<a href="(/shows/4343/seasons/1\?part=\d)" hx-get="\1"', first) == \
        ["/shows/4343/seasons/1?part=2", "/shows/4343/seasons/1?part=3"]
    third = (await show_site.get("/shows/4343/seasons/1?part=3", headers={"HX-Request": "true"})).text
    assert third.count("<select") == 20 and "<html" not in third and "1×120</span>" in third
    for bad in ("?part=4", "?part=0", "?part=x", f"?part={2**63}"):
        assert (await show_site.get("/shows/4343/seasons/1" + bad)).status_code in (400, 404), bad
    # a rating sent from the second part comes back to it
    second = "/shows/4343/seasons/1?part=2"
    response = await post_form(show_site, second, "/shows/4343/seasons/1/ratings", {"e77": "4"})
    assert response.status_code == 303 and response.headers["location"] == second
    page = (await show_site.get(second)).text
    assert selected(page)["e77"] == "4.0" and 'name="was" id="season-1-was" value="77:4"' in page
    assert "you rated 1" in page and 'name="was" id="season-1-was" value=""' in first
    # and one that does not fit shows that part again, saying why
    refused = await post_form(show_site, second, "/shows/4343/seasons/1/ratings", {"e80": "9"})
    assert refused.status_code == 422 and "1×80</span>" in refused.text and "1×01</span>" not in refused.text


async def test_a_member_rates_a_show_and_episodes_of_a_season_without_javascript(show_site, web_services):
    await join(show_site, "ann@example.org")
    show = await post_form(show_site, f"/shows/{BREAKING_BAD}", f"/shows/{BREAKING_BAD}/rating", {"rating": "5"})
    assert show.status_code == 303
    # the season's one form: two episodes chosen, one button; the browser comes back to the season
    episodes = await post_form(show_site, SEASON_1, RATE_SEASON_1, {"e1": "4.5", "e2": "3.5"})
    assert episodes.status_code == 303 and episodes.headers["location"] == SEASON_1
    assert selected((await show_site.get(SEASON_1)).text) == {"e1": "4.5", "e2": "3.5"}
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "Your rating of the show: <span class=\"current\">5 of 5 stars" in page
    assert '<span id="season-1-mine"> · you rated 2</span>' in page
    assert "Breaking Bad" in (await show_site.get("/me")).text
    # and "not rated" removes a rating, leaving the other as it is
    assert (await post_form(show_site, SEASON_1, RATE_SEASON_1, {"e1": ""})).status_code == 303
    assert selected((await show_site.get(SEASON_1)).text) == {"e1": "", "e2": "3.5"}
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowRated", "EpisodeRated", "EpisodeRated",
                                                                "EpisodeRatingRemoved"]


async def test_the_season_form_sends_only_what_the_member_changed(show_site, web_services):
    # given a member with two tabs on season 1, who rates episode 1 in the first
    await join(show_site, "ann@example.org")
    stale = (await show_site.get(SEASON_1)).text
    await post_form(show_site, SEASON_1, RATE_SEASON_1, {"e1": "4"})
    # when she rates episode 2 from the second tab, whose form still shows episode 1 not rated
    response = await show_site.post(RATE_SEASON_1, data=form(stale, RATE_SEASON_1) | {"e2": "2"})
    # then episode 2 is rated and episode 1 keeps its rating
    assert response.status_code == 303
    assert selected((await show_site.get(SEASON_1)).text) == {"e1": "4.0", "e2": "2.0"}
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "EpisodeRated", "EpisodeRated"]


async def test_a_season_form_sent_twice_records_once(show_site, web_services):
    await join(show_site, "ann@example.org")
    fields = form((await show_site.get(SEASON_1)).text, RATE_SEASON_1) | {"e1": "3", "e2": "5"}
    for _ in range(3):  # a double click, a reload that sends it again
        assert (await show_site.post(RATE_SEASON_1, data=fields)).status_code == 303
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "EpisodeRated", "EpisodeRated"]


async def test_with_htmx_a_change_is_saved_and_the_form_told_what_is_now_saved(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(SEASON_1, headers={"HX-Request": "true"})).text
    fields = form(page, RATE_SEASON_1)
    response = await show_site.post(RATE_SEASON_1, data=fields | {"e2": "3.5"}, headers=htmx(
        (await show_site.get(SEASON_1)).text))
    assert response.status_code == 200 and json.loads(response.headers["HX-Trigger"]).keys() == {"rated"}
    assert "<form" not in response.text and "<select" not in response.text  # the selects stay as she left them
    assert re.search(r'<input type="hidden" name="was" id="season-1-was" value="2:3.5" hx-swap-oob="true">',
                     response.text)
    command = re.search(r'name="command_id" id="season-1-command" value="([^"]+)" hx-swap-oob="true"', response.text)
    assert command and command.group(1) != fields["command_id"]  # the next change is a new command
    assert '<span id="season-1-mine" hx-swap-oob="innerHTML"> · you rated 1</span>' in response.text
    assert "Saved: 1×02 Episode 2, 3.5 stars." in response.text
    # and the next change, sent with what the answer set, removes it
    again = fields | {"e2": "", "was": "2:3.5", "command_id": command.group(1)}
    removed = await show_site.post(RATE_SEASON_1, data=again, headers=htmx((await show_site.get(SEASON_1)).text))
    assert "Removed your rating of 1×02 Episode 2." in removed.text and 'value="" hx-swap-oob' in removed.text
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "EpisodeRated", "EpisodeRatingRemoved"]


@pytest.mark.parametrize("bad", [{"e1": "7"}, {"e1": "0"}, {"e1": "3.3"}, {"e1": "nan"}, {"e1": "abc"},
                                 {"e1": "1" * 40}, {"was": "1:9"}, {"was": "x:1"}, {"was": "1:4,"},
                                 {"command_id": "not-a-uuid"}])
async def test_a_season_form_that_does_not_fit_records_nothing(show_site, web_services, bad):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(SEASON_1)).text
    response = await show_site.post(RATE_SEASON_1, data=form(page, RATE_SEASON_1) | {"e2": "4"} | bad)
    assert response.status_code == 422 and "Traceback" not in response.text
    assert 'class="error" role="alert"' in response.text and '<form class="season-form"' in response.text
    fragment = await show_site.post(RATE_SEASON_1, data=form(page, RATE_SEASON_1) | {"e2": "4"} | bad,
                                    headers=htmx(page))
    assert fragment.status_code == 422 and 'class="error-text"' in fragment.text
    assert await events_of(web_services, "ann@example.org") == JOINED


async def test_fields_for_episodes_the_season_does_not_have_are_left_alone(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(SEASON_1)).text
    response = await show_site.post(RATE_SEASON_1, data=form(page, RATE_SEASON_1) | {"e3": "4", "e99": "5",
                                                                                     "was": "99:4"})
    assert response.status_code == 303
    assert await events_of(web_services, "ann@example.org") == JOINED


async def test_an_episode_that_does_not_exist_cannot_be_rated(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(SEASON_1)).text
    fields = {"_csrf_token": form(page, RATE_SEASON_1)["_csrf_token"], "command_id": str(uuid.uuid4()), "rating": "4"}
    response = await show_site.post(f"/shows/{BREAKING_BAD}/episodes/9/9/rating", data=fields)
    assert response.status_code == 422 and "has no season 9 episode 9" in response.text


async def test_an_episodes_own_form_still_rates_it_and_comes_back_to_its_season(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(SEASON_1)).text
    fields = {"_csrf_token": form(page, RATE_SEASON_1)["_csrf_token"], "command_id": str(uuid.uuid4())}
    rated = await show_site.post(f"/shows/{BREAKING_BAD}/episodes/1/2/rating", data=fields | {"rating": "2.5"})
    assert rated.status_code == 303 and rated.headers["location"] == SEASON_1
    assert selected((await show_site.get(SEASON_1)).text)["e2"] == "2.5"
    refused = await show_site.post(f"/shows/{BREAKING_BAD}/episodes/1/2/rating",
                                   data=fields | {"command_id": str(uuid.uuid4()), "rating": "9"})
    assert refused.status_code == 422 and '<form class="season-form"' in refused.text  # the season, with why


async def test_removing_a_shows_rating_with_a_plain_form(show_site, web_services):
    # given a member who rated a show
    await join(show_site, "ann@example.org")
    await post_form(show_site, f"/shows/{BREAKING_BAD}", f"/shows/{BREAKING_BAD}/rating", {"rating": "4"})
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "4 of 5 stars" in page and "Not seen</button>" not in page  # rated: seen
    # when she presses "Remove my rating" (twice: the form is sent again)
    fields = form(page, f"/shows/{BREAKING_BAD}/rating/delete")
    first = await show_site.post(f"/shows/{BREAKING_BAD}/rating/delete", data=fields)
    second = await show_site.post(f"/shows/{BREAKING_BAD}/rating/delete", data=fields)
    # then she is sent back, the show is not rated, and the removal is recorded once
    assert first.status_code == second.status_code == 303 and first.headers["location"] == f"/shows/{BREAKING_BAD}"
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "Your rating of the show: <span class=\"current none\">not rated" in page
    assert f"/shows/{BREAKING_BAD}/rating/delete" not in page
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowRated", "ShowRatingRemoved"]


async def test_removing_an_episodes_rating_with_htmx_swaps_its_widget(show_site, web_services):
    await join(show_site, "ann@example.org")
    action = f"/shows/{BREAKING_BAD}/episodes/1/2/rating"
    await post_form(show_site, SEASON_1, RATE_SEASON_1, {"e2": "2.5"})
    page = (await show_site.get(SEASON_1)).text
    fields = {"_csrf_token": form(page, RATE_SEASON_1)["_csrf_token"], "command_id": str(uuid.uuid4())}
    response = await show_site.post(action + "/delete", data=fields, headers=htmx(page))
    assert response.status_code == 200 and json.loads(response.headers["HX-Trigger"]).keys() == {"rated"}
    assert response.text.lstrip().startswith(f'<div class="rate compact" id="rate-e{BREAKING_BAD}-1-2">')
    assert "not rated" in response.text and "/delete" not in response.text and "<html" not in response.text
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "EpisodeRated", "EpisodeRatingRemoved"]


async def test_removing_a_rating_that_is_not_there_records_nothing(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    fields = form(page, f"/shows/{BREAKING_BAD}/rating")  # a command id and the CSRF token of the page
    for action in (f"/shows/{BREAKING_BAD}/rating/delete", f"/shows/{BREAKING_BAD}/episodes/1/1/rating/delete"):
        response = await show_site.post(action, data=fields | {"command_id": str(uuid.uuid4())})
        assert response.status_code == 303
    assert await events_of(web_services, "ann@example.org") == JOINED


# --- putting a show aside ----------------------------------------------------------------------------------

async def test_not_interested_takes_a_show_off_her_lists_until_undone(show_site, web_services, mongo_url):
    # given a member on the shows list
    await join(show_site, "ann@example.org")
    # when she puts a show aside from its card
    response = await post_form(show_site, "/shows?genre=Drama", f"/shows/{THRONES}/not-interested")
    # then she is back on the list she was on, without it, and /me lists it; a visitor still sees it
    assert response.status_code == 303 and response.headers["location"] == "/shows?genre=Drama"
    assert shows((await show_site.get("/shows")).text) == ["Breaking Bad", "The Sopranos", "Friends"]
    assert shows((await show_site.get("/shows?genre=Drama")).text) == ["Breaking Bad", "The Sopranos"]
    me = (await show_site.get("/me")).text
    assert re.search(r"TV shows: not interested</h3>.*Game of Thrones", me, re.S)
    async with web_client(web_services.settings, mongo_url) as visitor:
        assert shows((await visitor.get("/shows")).text) == BY_POPULARITY
    # and its page offers to undo it, which brings it back
    undo = form((await show_site.get(f"/shows/{THRONES}")).text, f"/shows/{THRONES}/not-interested")
    assert undo["marked"] == "false"
    assert (await show_site.post(f"/shows/{THRONES}/not-interested", data=undo)).status_code == 303
    assert shows((await show_site.get("/shows")).text) == BY_POPULARITY
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowMarkedNotInterested",
                                                                "ShowNotInterestedUnmarked"]


async def test_with_htmx_a_card_is_swapped_and_the_list_asked_for_again_leaves_the_show_out(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get("/shows")).text
    action = f"/shows/{FRIENDS}/not-interested"
    response = await show_site.post(action, data=form(page, action), headers=htmx(page))
    assert response.status_code == 200 and json.loads(response.headers["HX-Trigger"]).keys() == {"rated"}
    assert response.text.lstrip().startswith(f'<div class="rate" id="rate-s{FRIENDS}">')
    assert "Not interested · undo" in response.text and "<html" not in response.text
    refreshed = await show_site.get("/shows", headers={"HX-Request": "true"})  # on "rated", the list asks again
    assert "Friends" not in shows(refreshed.text)


async def test_not_seen_is_undone_by_rating_the_show_and_refused_once_it_is_rated(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = f"/shows/{SOPRANOS}"
    assert (await post_form(show_site, page, f"{page}/not-seen")).status_code == 303
    assert "Marked not seen · undo" in (await show_site.get(page)).text
    # rating it says she has seen it after all
    await post_form(show_site, page, f"{page}/rating", {"rating": "4.5"})
    assert "Marked not seen" not in (after := (await show_site.get(page)).text) and "4.5 of 5 stars" in after
    # and a "not seen" sent now (a form from before, in another tab) is refused with the reason
    stale = await show_site.post(f"{page}/not-seen", data=form(after, f"{page}/rating") | {"marked": "true"})
    assert stale.status_code == 422 and "so you have seen it" in stale.text
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowMarkedNotSeen", "ShowNotSeenUnmarked",
                                                                "ShowRated"]


async def test_a_form_sent_twice_puts_the_show_aside_once(show_site, web_services):
    await join(show_site, "ann@example.org")
    fields = form((await show_site.get(f"/shows/{FRIENDS}")).text, f"/shows/{FRIENDS}/not-seen")
    for _ in range(3):  # a double click, a reload that sends it again
        assert (await show_site.post(f"/shows/{FRIENDS}/not-seen", data=fields)).status_code == 303
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowMarkedNotSeen"]


async def test_another_members_form_acts_on_ones_own_account_only(show_site, web_services, mongo_url, smtp_inbox):
    # given Ann, who put a show aside, and Bob, in his own browser
    await join(show_site, "ann@example.org")
    ann_page = (await show_site.get(f"/shows/{FRIENDS}")).text
    ann_fields = form(ann_page, f"/shows/{FRIENDS}/not-interested")
    await show_site.post(f"/shows/{FRIENDS}/not-interested", data=ann_fields)
    ann = await web_services.keyring.owner("ann@example.org")
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as bob:
        await join(bob, "bob@example.org", "Bob")
        # when Bob sends Ann's form (her command id) with her id in every field a form could name
        bob_page = (await bob.get(f"/shows/{FRIENDS}")).text
        stolen = ann_fields | {"_csrf_token": form(bob_page, f"/shows/{FRIENDS}/not-interested")["_csrf_token"],
                               "user_id": ann, "user": ann, "stream": f"user-{ann}"}
        assert (await bob.post(f"/shows/{FRIENDS}/not-interested", data=stolen)).status_code == 303
        assert (await bob.post(f"/shows/{FRIENDS}/rating/delete", data=stolen)).status_code == 303
        # then it is Bob's own show that is put aside, and Ann's account is as she left it
        assert "Friends" not in shows((await bob.get("/shows")).text)
    assert await events_of(web_services, "ann@example.org") == [*JOINED, "ShowMarkedNotInterested"]
    assert await events_of(web_services, "bob@example.org") == [*JOINED, "ShowMarkedNotInterested"]


async def test_a_forged_csrf_token_changes_nothing(show_site, web_services):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    fields = form(page, f"/shows/{BREAKING_BAD}/not-seen")  # the page's own token, a fresh command id
    for action in (f"/shows/{BREAKING_BAD}/not-seen", f"/shows/{BREAKING_BAD}/not-interested",
                   f"/shows/{BREAKING_BAD}/rating/delete", f"/shows/{BREAKING_BAD}/episodes/1/1/rating/delete",
                   RATE_SEASON_1):
        assert "_csrf_token" in fields
        for forged in ({**fields, "_csrf_token": "forged", "e1": "4"},
                       {k: v for k, v in fields.items() if k != "_csrf_token"} | {"e1": "4"}):
            assert (await show_site.post(action, data=forged)).status_code == 403
            assert (await show_site.post(action, data=forged, headers={"HX-Request": "true"})).status_code == 403
    assert await events_of(web_services, "ann@example.org") == JOINED


async def test_visitors_who_send_a_seasons_form_are_asked_to_log_in(show_site, web_services):
    page = (await show_site.get(SEASON_1)).text
    head = await web_services.store.head()
    response = await show_site.post(RATE_SEASON_1, data={"_csrf_token": csrf_token(page),
                                                          "command_id": str(uuid.uuid4()), "e1": "5"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert await web_services.store.head() == head


async def test_visitors_who_try_to_put_a_show_aside_are_asked_to_log_in(show_site, web_services):
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "to rate it and its episodes" in page and "not-interested" not in page
    head = await web_services.store.head()
    response = await show_site.post(f"/shows/{BREAKING_BAD}/not-interested",
                                    data={"_csrf_token": csrf_token(page), "command_id": str(uuid.uuid4())})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert await web_services.store.head() == head


async def test_opening_any_show_page_changes_nothing(show_site, web_services):
    await join(show_site, "ann@example.org")
    head = await web_services.store.head()
    for path in ("/shows", "/shows?genre=Crime&decade=2000&page=1", f"/shows/{BREAKING_BAD}", SEASON_1, "/me"):
        assert (await show_site.get(path, headers={"HX-Request": "true"})).status_code == 200
        assert (await show_site.get(path)).status_code == 200
    for action in ("rating", "rating/delete", "not-seen", "not-interested", "episodes/1/1/rating",
                   "episodes/1/1/rating/delete", "seasons/1/ratings"):
        assert (await show_site.get(f"/shows/{BREAKING_BAD}/{action}")).status_code in (404, 405)
    assert await web_services.store.head() == head


# --- episode titles from the data sets --------------------------------------------------------------------

async def test_episode_titles_imported_from_tvmaze_name_the_episodes(web_services, mongo_url, smtp_inbox):
    # given the TV fixtures imported as a site imports them: IMDb's structure, TVmaze's names of GoT's episodes
    await import_sources(web_services.store, detect(FIXTURES / "catalog" / "tv"))
    await web_services.projector.run_once()
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        # when a visitor opens its first season
        page = (await client.get(f"/shows/{THRONES}/seasons/1")).text
    # then its episodes carry their names and air dates
    names = re.findall(r'<span class="ep-title">([^<]+)</span>', page)
    assert names[:3] == ["Winter is Coming", "The Kingsroad", "Lord Snow"] and "2011-04-17" in page
    assert not [name for name in names if name.startswith("Episode ")]


# --- similar shows, and why a show is in a member's list -------------------------------------------------

def publish_tiny_model(model_dir) -> None:
    """60 users of two tastes, over movies and shows as the one model's items: crime lovers (The
    Godfather, Heat, Breaking Bad, The Sopranos) and comedy lovers (Toy Story, Clueless, Friends)."""
    rng = np.random.default_rng(7)
    crime = {3, 2, show_item_id(BREAKING_BAD), show_item_id(SOPRANOS)}
    comedy = {1, 4, show_item_id(FRIENDS)}
    items = [movie.id for movie in CATALOG] + [show_item_id(s) for s in (BREAKING_BAD, SOPRANOS, FRIENDS, THRONES)]
    users, rated, ratings = [], [], []
    for user in range(60):
        liked = crime if user % 2 == 0 else comedy
        for item in items:
            users.append(user), rated.append(item)
            ratings.append(float(np.clip(round((4.5 if item in liked else 1.5) + rng.normal(0, 0.4)), 1, 5)))
    model = fit(RatingsMatrix.from_triples(np.array(users), np.array(rated), np.array(ratings)), PRESETS["fast"])
    artifact.save(model, model_dir)


@pytest.fixture
async def model_show_site(web_services, mongo_url, smtp_inbox):
    await seed(web_services, [movie_listed(movie) for movie in CATALOG])
    await seed(web_services, [listed(BREAKING_BAD, "Breaking Bad", 2008, ("Crime", "Drama"), 2_000_000, 9.5),
                              listed(THRONES, "Game of Thrones", 2011, ("Drama", "Fantasy"), 2_200_000, 9.2),
                              listed(SOPRANOS, "The Sopranos", 1999, ("Crime", "Drama"), 500_000, 9.2),
                              listed(FRIENDS, "Friends", 1994, ("Comedy", "Romance"), 1_000_000, 8.9)])
    publish_tiny_model(web_services.settings.model_dir)
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


def section(html: str, heading: str) -> list[tuple[str, str]]:
    """(link, title) of each entry of the list in the page's section under ``heading``."""
    found = re.search(rf'>{heading}</h2>.*?<ul[^>]*>(.*?)</ul>', html, re.S)
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', found.group(1)) if found else []


async def test_a_shows_page_lists_similar_shows_and_what_the_member_rated_that_explains_it(model_show_site):
    # a visitor sees the shows the model finds alike: shows only, The Sopranos first for Breaking Bad
    page = (await model_show_site.get(f"/shows/{BREAKING_BAD}")).text
    similar = section(page, "Similar shows")
    assert similar[0] == (f"/shows/{SOPRANOS}", "The Sopranos") and all(link.startswith("/shows/") for link, _ in similar)
    assert f"/shows/{BREAKING_BAD}" not in [link for link, _ in similar] and "Why it is in your list" not in page
    # a member who rated crime movies and a crime show is told which of them put The Sopranos in their list
    await join(model_show_site, "ann@example.org")
    await post_form(model_show_site, "/movies/3", "/movies/3/rating", {"rating": "5"})
    await post_form(model_show_site, "/movies/1", "/movies/1/rating", {"rating": "1"})
    await post_form(model_show_site, f"/shows/{BREAKING_BAD}", f"/shows/{BREAKING_BAD}/rating", {"rating": "5"})
    sopranos = (await model_show_site.get(f"/shows/{SOPRANOS}")).text
    because = section(sopranos, "Why it is in your list")
    assert because and set(because) <= {("/movies/3", "The Godfather"), (f"/shows/{BREAKING_BAD}", "Breaking Bad"),
                                         ("/movies/1", "Toy Story")}
    assert because[0] in {("/movies/3", "The Godfather"), (f"/shows/{BREAKING_BAD}", "Breaking Bad")}
    assert 'id="why"' in sopranos and "Because you rated these, most of all:" in sopranos
    assert "The recommender guesses you’d give it about" in sopranos
    # nothing of the kind for a show she rated herself; a show she put aside is not offered as similar
    assert "Why it is in your list" not in (await model_show_site.get(f"/shows/{BREAKING_BAD}")).text
    await post_form(model_show_site, f"/shows/{SOPRANOS}", f"/shows/{SOPRANOS}/not-interested")
    similar = section((await model_show_site.get(f"/shows/{BREAKING_BAD}")).text, "Similar shows")
    assert similar and f"/shows/{SOPRANOS}" not in [link for link, _ in similar]


async def test_without_a_model_a_shows_page_offers_no_similar_shows_and_explains_by_genre(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "Similar shows" not in page and page.count("<form") == 6 and "Why it is in your list" not in page
    # her liked shows sharing most genres with it say why it is in her list, as a movie's page does
    await post_form(show_site, f"/shows/{SOPRANOS}", f"/shows/{SOPRANOS}/rating", {"rating": "4.5"})
    await post_form(show_site, f"/shows/{FRIENDS}", f"/shows/{FRIENDS}/rating", {"rating": "5"})
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert section(page, "Why it is in your list") == [(f"/shows/{SOPRANOS}", "The Sopranos")]
    assert "Similar shows" not in page
