"""English and French: chosen by the browser's Accept-Language, by the footer's switch (with and
without JavaScript), and by a member's stored preference, which their e-mails follow too."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from domain.events import EpisodeEntry, LanguagePreferenceChanged, ShowListed
from tests.integration.web_harness import (PASSWORD, catalog, csrf_token, form, join, movie_site,  # noqa: F401
                                           seed, web_client, web_services)

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


async def test_a_members_choice_follows_them_to_another_browser_and_survives_logging_out(movie_site, web_services):
    # given Ann, a member, who switches to French
    await join(movie_site, "ann@example.org")
    assert (await switch(movie_site, "/movies", "fr")).status_code == 303
    # then her choice is a fact in the log
    events = [r.event for r in await web_services.store.read_all(0, limit=10_000)]
    assert [e.language for e in events if isinstance(e, LanguagePreferenceChanged)] == ["fr"]
    # when she logs out, then in from a browser of her own that asks for English
    await movie_site.post("/logout", data=form((await movie_site.get("/")).text, "/logout"))
    assert lang_of((await movie_site.get("/")).text) == "fr"  # this browser keeps the choice too
    movie_site.cookies.clear()
    english = {"Accept-Language": "en-GB,en"}
    assert lang_of((await movie_site.get("/login", headers=english)).text) == "en"
    page = await movie_site.get("/login", headers=english)
    await movie_site.post("/login", data=form(page.text, "/login") | {"email": "ann@example.org",
                                                                        "password": PASSWORD}, headers=english)
    # then her pages are French again: her own choice beats the browser's
    response = await movie_site.get("/", headers=english)
    assert lang_of(response.text) == "fr" and "Bienvenue, Ann" in response.text
    assert "Se déconnecter" in response.text


async def test_error_pages_and_form_errors_speak_the_visitors_language(movie_site):
    # an address that is nowhere (no handler ran), and a form the site refuses (a domain error)
    missing = await movie_site.get("/no-such-page", headers=FRENCH)
    assert missing.status_code == 404 and "Page introuvable" in missing.text and lang_of(missing.text) == "fr"
    page = await movie_site.get("/signup", headers=FRENCH)
    fields = form(page.text, "/signup") | {"email": "not an address", "display_name": "Ann", "password": "x" * 12}
    refused = await movie_site.post("/signup", data=fields, headers=FRENCH)
    assert refused.status_code == 422 and "Saisissez une adresse e-mail valide" in refused.text


async def test_search_says_what_it_understood_in_french(movie_site):
    page = (await movie_site.get("/search", params={"q": "comedy 1990s"}, headers=FRENCH)).text
    assert 'aria-label="Rechercher sans Comédie"' in page and "Années 1990" in page
    assert 'href="/movies/4">Clueless</a>' in page  # the query itself is the data's words


async def test_the_switch_on_a_page_that_answered_a_form_goes_back_to_a_page_that_exists(movie_site):
    # a failed log-in answers its POST with the form again: /login can be opened, a POST-only address could not
    page = await movie_site.get("/login")
    failed = await movie_site.post("/login", data=form(page.text, "/login") | {"email": "x@example.org",
                                                                                 "password": "wrong password"})
    assert failed.status_code == 401
    assert form(failed.text, "/language")["next"] == "/"



async def test_a_seasons_air_dates_are_written_the_languages_way(web_services, mongo_url, smtp_inbox):
    # given a show whose first episode aired on 2011-04-17, listed before the site starts
    show = ShowListed(event_id="s-1", stream="catalog-test", occurred_at=datetime.now(timezone.utc), show_id=944947,
                      title="Game of Thrones", imdb_id="tt0944947", year=2011,
                      episodes=(EpisodeEntry(1, 1, "Winter is Coming", "2011-04-17"),))
    await seed(web_services, [show])
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as site:
        # then its season says the day each language's way, and the day itself to machines
        for headers, day in ((FRENCH, "17 avr. 2011"), ({"Accept-Language": "en"}, "Apr 17, 2011")):
            page = (await site.get("/shows/944947/seasons/1", headers=headers)).text
            assert f'<time datetime="2011-04-17">{day}</time>' in page
