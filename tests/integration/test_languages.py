"""English and French: chosen by the browser's Accept-Language, by the footer's switch (with and
without JavaScript), and by a member's stored preference, which their e-mails follow too."""
from __future__ import annotations

import re

from tests.integration.web_harness import (catalog, csrf_token, form, join, log_in, movie_site, web_client,  # noqa: F401
                                           web_services)

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def lang_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


async def switch(site, page: str, language: str, htmx: bool = False):
    """Press the footer's button for ``language`` on ``page``, as a browser (or htmx) sends it."""
    html = (await site.get(page)).text
    fields = form(html, "/language") | {"lang": language}
    headers = {"HX-Request": "true", "HX-Boosted": "true", "X-CSRFToken": csrf_token(html)} if htmx else {}
    return await site.post("/language", data=fields, headers=headers)


async def test_a_french_browser_gets_french_pages_and_numbers(movie_site):
    # given a browser that asks for French first
    response = await movie_site.get("/movies", headers=FRENCH)
    # then the page is in French, says so, and writes numbers the French way
    page = response.text
    assert lang_of(page) == "fr" and response.headers["content-language"] == "fr"
    assert ">Films</a>" in page and "Se connecter" in page and "Log in" not in page
    assert "57\u202f000" in page  # Toy Story's 57,000 ratings
    assert "Accept-Language" in response.headers["vary"]


async def test_a_browser_asking_for_neither_language_gets_english(movie_site):
    for header in ("de-DE,de;q=0.9", "", "xx;q=abc, *"):
        response = await movie_site.get("/", headers={"Accept-Language": header})
        assert lang_of(response.text) == "en" and "Log in" in response.text, header


async def test_the_footer_switch_works_without_javascript(movie_site):
    # given an English page
    assert lang_of((await movie_site.get("/movies?genre=Drama")).text) == "en"
    # when the visitor presses "Français" (a plain form post)
    response = await switch(movie_site, "/movies?genre=Drama", "fr")
    # then they are sent back to the same page, which is now French, and stays so
    assert response.status_code == 303 and response.headers["location"] == "/movies?genre=Drama"
    assert lang_of((await movie_site.get("/movies?genre=Drama")).text) == "fr"
    # and the choice beats the browser's own language
    assert lang_of((await movie_site.get("/", headers={"Accept-Language": "en"})).text) == "fr"


async def test_the_footer_switch_reloads_the_whole_page_with_htmx(movie_site):
    # when htmx sends the switch (boosted form)
    response = await switch(movie_site, "/about", "fr", htmx=True)
    # then htmx is told to load the page again whole (so <html lang> changes too)
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/about"
    assert lang_of((await movie_site.get("/about")).text) == "fr"
    # and back to English the same way
    await switch(movie_site, "/about", "en", htmx=True)
    assert lang_of((await movie_site.get("/about", headers=FRENCH)).text) == "en"


async def test_a_language_the_site_does_not_speak_is_refused_with_a_message(movie_site):
    html = (await movie_site.get("/")).text
    response = await movie_site.post("/language", data=form(html, "/language") | {"lang": "de"})
    assert response.status_code == 422 and "Choose English or French." in response.text
    cookie = [c for c in movie_site.cookies.jar if c.name == "mbm_lang"]
    assert cookie == []
