"""Pages every visitor sees, the error pages, the status poll, and the headers on every response."""
from __future__ import annotations

import pytest

from projections.read_side import ReadSide
from tests.integration.web_harness import catalog, movie_site, site, titles, web_client, web_services  # noqa: F401

SECURITY_HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"}


async def test_the_about_page_credits_the_data_sources(site):
    page = (await site.get("/about")).text
    assert "F. Maxwell Harper and Joseph A. Konstan. 2015." in page and "https://doi.org/10.1145/2827872" in page
    assert "TV data from" in page and "CC BY-SA 4.0" in page
    assert "This product uses the TMDB API but is not endorsed or certified by TMDB." in page


async def test_every_page_has_the_attribution_footer(site):
    for path in ("/", "/movies", "/shows", "/login", "/no-such-page"):
        page = (await site.get(path)).text
        assert "MovieLens" in page and "TVmaze" in page and "not endorsed or certified by TMDB" in page


async def test_an_unknown_address_gets_a_404_page_in_the_layout(site):
    response = await site.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'class="site-header"' in response.text


async def test_every_response_carries_the_security_headers(site):
    for path in ("/", "/no-such-page", "/static/site.css", "/static/htmx.min.js"):
        response = await site.get(path)
        assert SECURITY_HEADERS <= set(response.headers.keys()), path
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_page_loads_htmx_from_this_site_only(site):
    page = (await site.get("/")).text
    assert '<script src="/static/htmx.min.js"' in page and "https://" not in page.split("</head>")[0]
    assert (await site.get("/static/htmx.min.js")).status_code == 200


async def test_an_empty_catalog_gets_a_friendly_empty_state(site):
    for path in ("/", "/movies", "/shows"):
        response = await site.get(path)
        assert response.status_code == 200 and "yet" in response.text


async def test_search_finds_titles_in_any_case_and_takes_any_text(movie_site):
    page = (await movie_site.get("/search?q=GODFATHER")).text
    assert 'href="/movies/3">The Godfather</a>' in page
    for awkward in ("(", "x.*z", "[", "$where", "{\"$gt\": \"\"}"):
        response = await movie_site.get("/search", params={"q": awkward})
        assert response.status_code == 200 and "Nothing found" in response.text


async def test_the_model_status_line_stops_polling_when_nothing_is_training(site):
    response = await site.get("/status", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="model-status"' in response.text
    assert "hx-trigger" not in response.text


async def test_an_error_during_an_htmx_request_is_shown_in_the_message_area(site):
    response = await site.get("/movies?decade=1975", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash" and response.headers["HX-Reswap"] == "innerHTML"
    assert 'class="flash flash-error"' in response.text and "<html" not in response.text


async def test_search_forgives_a_typo_and_an_unfinished_word(movie_site):
    assert 'href="/movies/3">The Godfather</a>' in (await movie_site.get("/search?q=godfater")).text
    live = await movie_site.get("/search?q=toy+sto", headers={"HX-Request": "true"})
    assert live.text.lstrip().startswith('<section id="results"') and "Toy Story" in live.text


async def test_an_unexpected_failure_gets_the_500_page_without_a_traceback(catalog, web_services, mongo_url,
                                                                          monkeypatch):
    # given a read that fails in a way nobody planned for
    async def broken(self, movie_id):
        raise RuntimeError("the secret internals: many")
    monkeypatch.setattr(ReadSide, "movie", broken)
    async with web_client(web_services.settings, mongo_url) as client:
        response = await client.get("/movies/1")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and 'class="site-header"' in response.text
    assert "Traceback" not in response.text and "many" not in response.text


async def test_a_document_the_catalog_cannot_read_leaves_out_one_title_not_the_site(catalog, web_services,
                                                                                   mongo_url, capfd):
    # given a movie document a buggy projection wrote
    movies = web_services.database[(await web_services.registry.active("movies")).collection]
    await movies.insert_one({"_id": 99, "listed": True, "title": "Broken", "rating_count": "many", "_pos": 1})
    async with web_client(web_services.settings, mongo_url) as client:
        assert (await client.get("/movies/99")).status_code == 404
        assert (await client.get("/movies/1")).status_code == 200
    assert "movie 99 in the read model cannot be read" in capfd.readouterr().err  # logged for the operator


