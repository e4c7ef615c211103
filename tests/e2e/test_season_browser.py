"""A show's seasons in a real browser (Debian's Chromium through Playwright, against ``mybigmovie
serve``): with JavaScript, opening a season loads its episodes in place and choosing a rating saves it
at once, two quick choices included, without a page load; without JavaScript, the season's link opens
its page and the form's button saves and comes back to it."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from domain import events as e
from tests.e2e.test_browser import _link_from, _sign_up, mailbox, served  # noqa: F401 (a fixture)
from tests.integration.web_harness import seed

pytestmark = pytest.mark.e2e

SHOW = 944947
EPISODES = tuple(e.EpisodeEntry(s, n, f"Chapter {s}.{n}", f"2011-0{s}-{n:02d}") for s in (1, 2, 3) for n in range(1, 11))


@pytest.fixture(scope="module")
async def server(mongo_url: str, tmp_path_factory: pytest.TempPathFactory, mailbox):
    """The site over one show of three seasons in Chromium: (browser, its address, the mailbox)."""
    listed = e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=datetime.now(timezone.utc),
                          show_id=SHOW, title="Game of Thrones", imdb_id=f"tt{SHOW:07d}", year=2011,
                          genres=("Drama", "Fantasy"), summary="Winter.", imdb_rating=9.2, imdb_votes=2_000_000,
                          episodes=EPISODES, source="test")

    async def prepare(services):
        await seed(services, [listed])
    async with served(mongo_url, tmp_path_factory.mktemp("e2e-seasons"), mailbox, prepare) as (browser, base):
        yield browser, base, mailbox


async def test_with_javascript_a_season_opens_in_place_and_each_choice_is_saved(server):
    browser, base, mailbox = server
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    await _sign_up(page, base, "Ann", _link_from(mailbox))
    await page.goto(f"{base}/shows/{SHOW}")
    # given the show's page: three closed seasons, no episode and no episode form in it
    assert await page.locator("details.season").count() == 3
    assert await page.locator("select.ep-rating").count() == 0
    await page.evaluate("window.stillThisPage = true")
    # when she opens season 2, its episodes come in place
    await page.click("#season-2 summary")
    await page.wait_for_selector("#season-2 select#ep-2-1")
    assert await page.locator("select.ep-rating").count() == 10
    assert "Chapter 2.1" in await page.inner_text("#season-2")
    # and a choice is saved at once
    await page.select_option("#ep-2-3", "4.0")
    await page.wait_for_function("() => document.querySelector('#season-2-status').textContent.includes('Saved')")
    assert "you rated 1" in await page.inner_text("#season-2 summary")
    # and so are choices made one right after the other, while the one before is being saved
    await page.select_option("#ep-2-4", "2.5")
    await page.wait_for_timeout(350)  # past the form's 300 ms delay: its own request
    await page.select_option("#ep-2-5", "5.0")
    await page.select_option("#ep-2-3", "")  # and "not rated" takes a rating back
    await page.wait_for_function("() => document.querySelector('#season-2-was').value === '4:2.5,5:5'")
    assert "you rated 2" in await page.inner_text("#season-2 summary")
    assert await page.evaluate("window.stillThisPage") is True
    assert not errors, errors
    # then the season's own page shows what she chose
    await page.goto(f"{base}/shows/{SHOW}/seasons/2")
    values = await page.eval_on_selector_all("select.ep-rating", "selects => selects.map(s => s.value)")
    assert values[2:5] == ["", "2.5", "5.0"] and values.count("") == 8
    assert not errors, errors
    await context.close()


async def test_without_javascript_the_season_link_and_its_button_do_the_same(server):
    browser, base, mailbox = server
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await _sign_up(page, base, "Bea", _link_from(mailbox))
    await page.goto(f"{base}/shows/{SHOW}")
    # opening season 3 shows the link to its page
    await page.click("#season-3 summary")
    async with page.expect_navigation():
        await page.click("#season-3 .season-body a")
    assert page.url == f"{base}/shows/{SHOW}/seasons/3"
    # where she chooses two ratings and presses the one button
    await page.select_option("#ep-3-1", "3.5")
    await page.select_option("#ep-3-10", "1.0")
    async with page.expect_navigation():
        await page.click("form.season-form button.save")
    # and comes back to the season, as she left it
    assert page.url == f"{base}/shows/{SHOW}/seasons/3"
    assert await page.input_value("#ep-3-1") == "3.5" and await page.input_value("#ep-3-10") == "1.0"
    assert "you rated 2" in await page.inner_text(".facts")
    await page.goto(f"{base}/shows/{SHOW}")
    assert "you rated 2" in await page.inner_text("#season-3 summary")
    await context.close()
