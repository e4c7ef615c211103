"""Accessibility, checked: axe-core (bundled by axe-playwright-python, nothing downloaded) run by
Playwright in Debian's Chromium over the site's main pages, for a visitor and for a member, in each
language, with the default rules (WCAG 2 A and AA, best practices); any serious or critical violation
fails, naming the rule, its help and the elements. And a member rates a movie with the keyboard alone,
with JavaScript on and off, and sees the rating saved.

One served site (``served()`` of test_browser.py) and one browser for the whole module.
"""
from __future__ import annotations

import asyncio

import pytest
from axe_playwright_python.async_playwright import Axe

from tests.e2e.test_browser import _link_from, _sign_up, mailbox, served  # noqa: F401 (a fixture)
from tests.e2e.test_walkthrough import BREAKING_BAD, MOVIES, crime, with_catalog_and_model

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "fr"]  # the language comes from Accept-Language (the browser's locale)
PAGES = ["/", "/movies", "/shows", f"/movies/{MOVIES[9].id}", f"/shows/{BREAKING_BAD}",
         f"/shows/{BREAKING_BAD}/seasons/1", "/search?q=crime", "/about", "/movies/987654321"]
ANONYMOUS_PAGES = ["/login", "/signup"]
MEMBER_PAGES = ["/me", "/me/history", "/me/import"]
SERIOUS = {"serious", "critical"}
RATED = {movie.id: (5.0 if crime(movie) else 1.0) for movie in MOVIES[:5]}  # what the member rated
UNRATED = MOVIES[6]  # the movie rated in the keyboard tests
AXE = Axe()  # its bundled axe.min.js, put in each page by the context


@pytest.fixture(scope="module")
async def server(mongo_url: str, tmp_path_factory: pytest.TempPathFactory, mailbox):
    """The site over MOVIES and two shows, with a model, in Chromium: (browser, its address, the mailbox)."""
    async with served(mongo_url, tmp_path_factory.mktemp("e2e-a11y"), mailbox, with_catalog_and_model) as (browser, base):
        yield browser, base, mailbox


@pytest.fixture(scope="module")
async def member(server) -> dict:
    """A member who rated five movies (so the site has guesses and reasons for her): her session's
    cookies, as Playwright's storage state for new contexts."""
    browser, base, mailbox = server
    context = await browser.new_context()
    page = await context.new_page()
    await _sign_up(page, base, "Ann", _link_from(mailbox))
    for movie_id, stars in RATED.items():
        await page.goto(f"{base}/movies/{movie_id}")
        await page.click(f"label[for=m{movie_id}-{int(stars * 2)}]")
        await page.wait_for_selector(f"#rate-movie-{movie_id} form[action$='/rating/delete']")  # saved: "Remove"
    state = await context.storage_state()
    await context.close()
    return state


async def new_page(server, language: str, state: dict | None = None, javascript: bool = True):
    browser, base, _ = server
    locale = {"en": "en-GB", "fr": "fr-FR"}[language]
    context = await browser.new_context(locale=locale, extra_http_headers={"Accept-Language": f"{locale},{language}"},
                                        storage_state=state, java_script_enabled=javascript,
                                        viewport={"width": 1280, "height": 900})
    await context.add_init_script(AXE.axe_script)  # compiled once, cached: a third cheaper than injecting per page
    return context, await context.new_page()


async def serious_violations(page, where: str) -> list[str]:
    """axe's serious and critical violations on the page as it is now: per rule, its help, the first
    element's failure and every element's selector."""
    found = await page.evaluate("axe.run({resultTypes: ['violations']}).then(results => results.violations)")
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} ({' '.join(v['nodes'][0]['failureSummary'].split())}) at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"]) for v in found if v["impact"] in SERIOUS]


async def audit(server, language: str, state: dict | None, paths: list[str]) -> list[str]:
    """Visit each page in its own browser context (a member's if ``state``), then a season opened in
    place (htmx swaps its episodes in), and return what axe finds serious on each."""
    _, base, _ = server
    context, page = await new_page(server, language, state)
    problems: list[str] = []
    for path in paths:
        await page.goto(base + path)
        assert (await page.get_attribute("html", "lang")) == language, path
        if state and path in ("/", PAGES[3]):  # the model's guesses, their "why?" links and explanation
            assert await page.locator("a[href$='#why'], #why").count(), f"no guess for the member on {path}"
        problems += await serious_violations(page, path)
    await page.goto(f"{base}/shows/{BREAKING_BAD}")
    await page.click("#season-2 summary")
    await page.wait_for_selector("#season-2 .episodes")
    problems += await serious_violations(page, "a season opened in place")
    await context.close()
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_main_pages_have_no_serious_accessibility_violation(server, member, language):
    # given each main page as a visitor and as a member sees it (side by side: two renderers, two cores)
    as_visitor, as_member = await asyncio.gather(audit(server, language, None, PAGES + ANONYMOUS_PAGES),
                                                 audit(server, language, member, PAGES + MEMBER_PAGES))
    # when axe checks them, then it finds nothing serious or critical
    assert not as_visitor, "As a visitor:\n" + "\n".join(as_visitor)
    assert not as_member, "As a member:\n" + "\n".join(as_member)


async def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on an element matching ``selector``, as a keyboard user does."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


async def focus_ring(page) -> str:
    """The outline drawn around the focused star row (the radios themselves are invisible)."""
    return await page.evaluate("getComputedStyle(document.activeElement.closest('.star-row')).outlineStyle")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_a_member_rates_a_movie_with_the_keyboard_alone(server, member, javascript):
    _, base, _ = server
    context, page = await new_page(server, "en", member, javascript)
    movie = UNRATED if javascript else MOVIES[7]
    await page.goto(f"{base}/movies/{movie.id}")
    # given the focus on the movie's stars, reached with Tab, and visibly so
    await tab_to(page, f"#rate-movie-{movie.id} input[name=rating]")
    assert await focus_ring(page) == "solid"
    # when she moves six half stars to the right of the first: 3½ stars
    for _ in range(6):
        await page.keyboard.press("ArrowRight")
    if javascript:  # the choice is sent at once, and the focus stays on the stars htmx swapped in
        await page.wait_for_function(
            f"() => document.querySelector('#rate-movie-{movie.id} legend').innerText.includes('3.5 of 5 stars')")
        assert await page.evaluate("document.activeElement.id") == f"m{movie.id}-7"
        assert await focus_ring(page) == "solid"
        assert not await serious_violations(page, "the stars after a rating")
    else:  # Tab to the form's own button, and Enter
        await tab_to(page, f"#rate-movie-{movie.id} button.save")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
    # then the page, loaded again, shows her rating
    await page.goto(f"{base}/movies/{movie.id}")
    assert "3.5 of 5 stars" in await page.inner_text(f"#rate-movie-{movie.id} legend")
    if javascript:  # and a button htmx replaces keeps the focus in its place: "Remove my rating", then "Not seen"
        await tab_to(page, f"#m{movie.id}-action-1")
        await page.keyboard.press("Enter")
        await page.wait_for_function(
            f"() => document.querySelector('#rate-movie-{movie.id} legend').innerText.includes('not rated')")
        assert await page.evaluate("document.activeElement.textContent") == "Not seen"
    await context.close()
