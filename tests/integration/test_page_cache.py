"""Kept pages (web/page_cache.py) over HTTP: a kept page is the page rendered afresh but for the CSRF
token and the command ids, which are each request's own; it is never another member's, another
language's or an older state's."""
from __future__ import annotations

import asyncio
import re
import uuid

from tests.integration.web_harness import (Movie, catalog, csrf_token, form, join, log_in, movie_listed,  # noqa: F401
                                           movie_site, seed, sign_up, confirm_address, titles, web_services)
from web.page_cache import PageCache

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MEMBER_PAGES = ["/", "/movies", "/movies?genre=Crime", "/movies/3", "/search?q=alien", "/me"]


def cache_of(client) -> PageCache:
    return client.app.state.page_cache


def without_ids(html: str) -> str:
    return UUID.sub("ID", html)


async def test_a_kept_page_is_the_page_rendered_afresh_with_its_own_ids(movie_site):
    await join(movie_site, "ann@example.org")
    cache = cache_of(movie_site)
    for path in MEMBER_PAGES:
        cache.clear()
        fresh = await movie_site.get(path)
        hits = cache.hits
        kept = await movie_site.get(path)
        assert fresh.status_code == kept.status_code == 200, path
        assert cache.hits == hits + 1, f"{path} was not served from the cache"
        assert without_ids(kept.text) == without_ids(fresh.text), path
        ids = UUID.findall(fresh.text) + UUID.findall(kept.text)
        assert len(ids) == len(set(ids)), f"{path}: a command id served twice"
        assert kept.text.count('name="command_id"') == len(UUID.findall(kept.text)), path
        assert csrf_token(kept.text) == csrf_token(fresh.text) != ""
        assert kept.headers["content-type"] == fresh.headers["content-type"] == "text/html; charset=utf-8"
        assert kept.headers["cache-control"] == "no-store"  # a member's page: no shared cache keeps it


async def test_a_kept_form_still_works(movie_site):
    """The command id and CSRF token filled into a kept page are accepted like a fresh page's."""
    await join(movie_site, "ann@example.org")
    await movie_site.get("/movies/5")
    page = await movie_site.get("/movies/5")  # kept
    response = await movie_site.post("/movies/5/rating", data=form(page.text, "/movies/5/rating") | {"rating": "2"})
    assert response.status_code == 303
    assert "2 of 5 stars" in (await movie_site.get("/movies/5")).text  # and the kept page moved on with Ann


async def test_a_members_page_is_never_another_members(movie_site):
    await join(movie_site, "ann@example.org", name="Ann")
    ann = await movie_site.get("/movies")
    page = await movie_site.get("/movies/3")
    await movie_site.post("/movies/3/rating", data=form(page.text, "/movies/3/rating") | {"rating": "5"})
    await movie_site.post("/logout", data={"_csrf_token": csrf_token(ann.text)})
    await join(movie_site, "bob@example.org", name="Bob")
    bob = await movie_site.get("/movies")
    assert ">Bob</a>" in bob.text and ">Ann</a>" not in bob.text
    assert "5 of 5 stars" not in (await movie_site.get("/movies/3")).text  # Ann's rating, not Bob's
    assert csrf_token(bob.text) != csrf_token(ann.text)


async def test_visitors_share_the_page_but_not_the_token(movie_site):
    first = await movie_site.get("/movies")
    token = csrf_token(first.text)
    movie_site.cookies.clear()  # another visitor
    hits = cache_of(movie_site).hits
    second = await movie_site.get("/movies")
    assert cache_of(movie_site).hits == hits + 1
    assert csrf_token(second.text) != token
    assert without_ids(second.text.replace(csrf_token(second.text), "T")) == \
        without_ids(first.text.replace(token, "T"))


async def test_each_language_and_htmx_part_has_its_own_page(movie_site):
    english = await movie_site.get("/movies")
    french = await movie_site.get("/movies", headers={"Accept-Language": "fr"})
    part = await movie_site.get("/movies", headers={"HX-Request": "true"})
    assert '<html lang="en"' in english.text and '<html lang="fr"' in french.text
    assert "Films" in french.text
    assert part.text.lstrip().startswith('<section id="results"')
    assert '<html lang="en"' in (await movie_site.get("/movies")).text


async def test_a_kept_page_moves_on_with_the_catalog(movie_site, web_services):
    assert "Zardoz" not in (await movie_site.get("/movies")).text  # kept from here on
    await seed(web_services, [movie_listed(Movie(7, "Zardoz", 1974, ("Sci-Fi",), 90_000, 4.6))])
    catalog = movie_site.app.state.services.reads.catalog
    for _ in range(40):  # the site's catalog follows the read model within its staleness bound
        if "Zardoz" in (page := await movie_site.get("/movies")).text:
            break
        await asyncio.sleep(catalog.max_staleness / 4)
    assert titles(page.text)[0] == "Zardoz"


def test_the_cache_is_bounded_in_bytes():
    cache = PageCache(max_bytes=8_000)
    for n in range(100):  # an attacker's ?x=1, ?x=2 … each a page of its own
        cache.put(("/movies", f"x={n}"), None, (), (b"a" * 500,))
    assert 0 < len(cache) <= 8_000 // 700 + 1
    assert cache.get(("/movies", "x=99"), None, ()) is not None  # the newest are the ones kept
    assert cache.get(("/movies", "x=0"), None, ()) is None
    member = object()
    cache.put(("k",), member, (1,), (b"x",))
    assert cache.get(("k",), member, (2,)) is None  # another state
    assert cache.get(("k",), object(), (1,)) is None  # another copy of the member: re-read since
    assert cache.get(("k",), member, (1,)) == (b"x",)
