"""TV shows over HTTP: the list and its filters, a show's seasons and episodes, rating the show and an
episode and removing those ratings, and putting a show aside ("not seen", "not interested") — without
JavaScript (forms and redirects) and with htmx (the widget swapped in place) — against the real event
store, projector and Redis."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import pytest

from domain import events as e
from domain.accounts import stream_for
from tests.integration.web_harness import csrf_token, form, join, seed, web_client, web_services  # noqa: F401

BREAKING_BAD, SOPRANOS, FRIENDS, THRONES = 903747, 141842, 108778, 944947
BY_POPULARITY = ["Breaking Bad", "Game of Thrones", "The Sopranos", "Friends"]


def listed(show_id: int, title: str, year: int, genres: tuple[str, ...], votes: int, rating: float,
           episodes: tuple[e.EpisodeEntry, ...] = ()) -> e.ShowListed:
    return e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc),
                        show_id=show_id, title=title, imdb_id=f"tt{show_id:07d}", year=year, genres=genres,
                        summary=f"{title}.", imdb_rating=rating, imdb_votes=votes, episodes=episodes, source="test")


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

async def test_a_show_lists_its_seasons_and_episodes_by_their_names(show_site):
    assert "Breaking Bad" in (await show_site.get("/shows")).text
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "Season 1" in page and "Season 2" in page
    assert "Pilot" in page and "Episode 2" in page and "Seven Thirty-Seven" in page  # unnamed: "Episode N"


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

async def test_a_member_rates_a_show_and_one_of_its_episodes(show_site):
    await join(show_site, "ann@example.org")
    show = await post_form(show_site, f"/shows/{BREAKING_BAD}", f"/shows/{BREAKING_BAD}/rating", {"rating": "5"})
    assert show.status_code == 303
    action = f"/shows/{BREAKING_BAD}/episodes/1/2/rating"
    episode = await post_form(show_site, f"/shows/{BREAKING_BAD}", action, {"rating": "3.5"})
    assert episode.status_code == 303
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert "Your rating of the show: <span class=\"current\">5 of 5 stars" in page
    assert "3.5 of 5 stars" in page
    assert "Breaking Bad" in (await show_site.get("/me")).text


async def test_an_episode_that_does_not_exist_cannot_be_rated(show_site):
    await join(show_site, "ann@example.org")
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    fields = form(page, f"/shows/{BREAKING_BAD}/episodes/1/1/rating") | {"rating": "4"}
    response = await show_site.post(f"/shows/{BREAKING_BAD}/episodes/9/9/rating", data=fields)
    assert response.status_code == 422 and "has no season 9 episode 9" in response.text


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
    await post_form(show_site, f"/shows/{BREAKING_BAD}", action, {"rating": "2.5"})
    page = (await show_site.get(f"/shows/{BREAKING_BAD}")).text
    assert re.findall(r' action="([^"]*/rating/delete)"', page) == [action + "/delete"]  # nothing else is rated
    response = await show_site.post(action + "/delete", data=form(page, action + "/delete"), headers=htmx(page))
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
                   f"/shows/{BREAKING_BAD}/rating/delete", f"/shows/{BREAKING_BAD}/episodes/1/1/rating/delete"):
        assert "_csrf_token" in fields
        for forged in ({**fields, "_csrf_token": "forged"}, {k: v for k, v in fields.items() if k != "_csrf_token"}):
            assert (await show_site.post(action, data=forged)).status_code == 403
    assert await events_of(web_services, "ann@example.org") == JOINED


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
    for path in ("/shows", "/shows?genre=Crime&decade=2000&page=1", f"/shows/{BREAKING_BAD}", "/me"):
        assert (await show_site.get(path, headers={"HX-Request": "true"})).status_code == 200
        assert (await show_site.get(path)).status_code == 200
    for action in ("rating", "rating/delete", "not-seen", "not-interested", "episodes/1/1/rating",
                   "episodes/1/1/rating/delete"):
        assert (await show_site.get(f"/shows/{BREAKING_BAD}/{action}")).status_code in (404, 405)
    assert await web_services.store.head() == head
