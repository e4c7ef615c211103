"""The whole path a new member takes, in a real browser (Debian's Chromium through Playwright,
against ``mybigmovie serve`` with a trained model), with JavaScript on and off: sign up, rate
through onboarding, see on the cards the rating the model predicts and its reason, follow the
reason, dismiss a title and see the list change, find a show by its genre, and rate a season's
episodes."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from domain import events as e
from recommender import artifact
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import PRESETS
from recommender.tv import show_item_id
from tests.e2e.test_browser import _link_from, _sign_up, mailbox, served  # noqa: F401 (a fixture)
from tests.integration.web_harness import CATALOG, Movie, movie_listed, seed

pytestmark = pytest.mark.e2e

MOVIES = CATALOG + [Movie(100 + i, f"{'Crime' if i % 2 else 'Comedy'} Story {i}", 1990 + i,
                          ("Crime", "Drama") if i % 2 else ("Comedy",), 30_000 - 1000 * i, 3.7) for i in range(14)]
BREAKING_BAD, FRIENDS = 903747, 108778
EPISODES = tuple(e.EpisodeEntry(s, n, f"Episode title {s}.{n}", f"2008-0{s}-{n:02d}") for s in (1, 2) for n in range(1, 8))


def crime(movie: Movie) -> bool:
    return "Crime" in movie.genres


def show_listed(show_id: int, title: str, genres: tuple[str, ...], episodes=()) -> e.ShowListed:
    return e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc),
                        show_id=show_id, title=title, imdb_id=f"tt{show_id:07d}", year=2008, genres=genres,
                        summary=f"{title}.", imdb_rating=9.0, imdb_votes=1_000_000, episodes=episodes, source="test")


def publish_model(model_dir: Path) -> None:
    """80 users of two tastes over the movies and the two shows: crime lovers and comedy lovers."""
    rng = np.random.default_rng(11)
    items = [(m.id, crime(m)) for m in MOVIES] + [(show_item_id(BREAKING_BAD), True), (show_item_id(FRIENDS), False)]
    users, rated, ratings = [], [], []
    for user in range(80):
        likes_crime = user % 2 == 0
        for item, is_crime in items:
            if rng.random() < 0.8:
                users.append(user), rated.append(item)
                ratings.append(float(np.clip(round((4.5 if is_crime == likes_crime else 1.5) + rng.normal(0, .4)), 1, 5)))
    artifact.save(fit(RatingsMatrix.from_triples(np.array(users), np.array(rated), np.array(ratings)), PRESETS["fast"]),
                  model_dir)


async def with_catalog_and_model(services) -> None:
    """The site's data for the browser tests: MOVIES and two shows listed, a model trained on them."""
    await seed(services, [movie_listed(movie) for movie in MOVIES])
    await seed(services, [show_listed(BREAKING_BAD, "Breaking Bad", ("Crime", "Drama"), EPISODES),
                          show_listed(FRIENDS, "Friends", ("Comedy", "Romance"))])
    publish_model(services.settings.model_dir)


@pytest.fixture(scope="module")
async def server(mongo_url: str, tmp_path_factory: pytest.TempPathFactory, mailbox):
    """The site over MOVIES and two shows, with a model trained on them, in Chromium."""
    async with served(mongo_url, tmp_path_factory.mktemp("e2e-walkthrough"), mailbox,
                      with_catalog_and_model) as (browser, base):
        yield browser, base, mailbox


async def card_ids(page, within: str) -> list[int]:
    ids = await page.locator(f"{within} li.card").evaluate_all("cards => cards.map(card => card.id)")
    return [int(found.split("-")[1]) for found in ids if found.startswith("movie-")]


async def press(page, javascript: bool, selector: str) -> None:
    """Click a form's button: with JavaScript htmx swaps in the answer; without, the page reloads."""
    if javascript:
        await page.click(selector)
    else:
        async with page.expect_navigation():
            await page.click(selector)


async def rate(page, javascript: bool, movie_id: int, stars: float) -> None:
    await page.click(f"label[for=m{movie_id}-{int(stars * 2)}]")
    if javascript:
        await page.wait_for_function(
            f"() => document.querySelector('#rate-movie-{movie_id}') === null"
            f" || document.querySelector('#rate-movie-{movie_id}').innerText.includes('{stars:g} of 5 stars')")
    else:
        async with page.expect_navigation():
            await page.click(f"#movie-{movie_id} .stars-form button.save")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_a_new_member_from_sign_up_to_a_rated_season(server, javascript):
    browser, base, mailbox = server
    context = await browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    by_id = {m.id: m for m in MOVIES}
    # she signs up and lands on onboarding: five movies to rate
    await _sign_up(page, base, "Ann" if javascript else "Bea", _link_from(mailbox))
    assert "Rate 5 more movies" in await page.inner_text("#for-you")
    rated: dict[int, float] = {}
    while len(rated) < 5:
        await page.goto(f"{base}/")
        first = (await card_ids(page, "#for-you"))[0]
        rated[first] = 5.0 if crime(by_id[first]) else 1.0  # she loves crime
        await rate(page, javascript, first, rated[first])
    # her home page is now "for you": crime first, none she rated, each card with a guess and a reason
    await page.goto(f"{base}/")
    await page.wait_for_selector("text=For you, ")
    picks = await card_ids(page, "#for-you")
    assert picks and not set(picks) & set(rated) and crime(by_id[picks[0]])
    card = page.locator(f"#movie-{picks[0]}")
    assert re.search(r"You’d give it about [★½]{4,}", await card.inner_text())
    reason = card.locator(".reason a").first
    reason_href = await reason.get_attribute("href")
    assert int(reason_href.rsplit("/", 1)[1]) in rated and rated[int(reason_href.rsplit("/", 1)[1])] == 5.0
    # and shows for her too
    assert "Breaking Bad" in await page.inner_text("#for-you")
    # she follows the reason to the title it names, and the "why?" to the explanation
    await reason.click()  # with JavaScript, a boosted link: the page's body is swapped, the address pushed
    await page.wait_for_url(f"{base}{reason_href}")
    await page.goto(f"{base}/")
    await page.locator(f"#movie-{picks[0]} .reason a", has_text="why?").click()
    await page.wait_for_url(f"{base}/movies/{picks[0]}#why")
    assert "The recommender guesses you’d give it about" in await page.inner_text("#why")
    # she dismisses the top title of her movies list, and the list changes
    await page.goto(f"{base}/movies")
    top = (await card_ids(page, "#results"))[0]
    await press(page, javascript, f"#movie-{top} >> text=Not interested")
    if javascript:
        await page.wait_for_function(f"() => document.querySelector('#results #movie-{top} h3') === null"
                                     f" || document.querySelector('#rate-movie-{top}').innerText.includes('undo')")
    await page.goto(f"{base}/movies")
    assert top not in await card_ids(page, "#results")
    # she finds a show by its genre
    await page.goto(f"{base}/search?q=crime")
    shows = await page.locator("a[href^='/shows/']").all_inner_texts()
    assert "Breaking Bad" in shows and "Friends" not in shows
    # and rates an episode of its first season
    await page.goto(f"{base}/shows/{BREAKING_BAD}")
    if javascript:
        await page.click("#season-1 summary")
        await page.wait_for_selector("#season-1 select#ep-1-2")
        await page.select_option("#ep-1-2", "4.5")
        await page.wait_for_function("() => document.querySelector('#season-1').innerText.includes('you rated 1')")
    else:  # a <details> opens without JavaScript too; inside, a link to the season's own page
        await page.click("#season-1 summary")
        async with page.expect_navigation():
            await page.click("#season-1 a[href*='/seasons/1']")
        await page.select_option("#ep-1-2", "4.5")
        async with page.expect_navigation():
            await page.click("text=Save my ratings")
    await page.goto(f"{base}/shows/{BREAKING_BAD}")
    assert "you rated 1" in await page.inner_text("#season-1")
    assert not errors, errors
    await context.close()
