"""Search, as a person uses it, over the demo catalog (9,742 real MovieLens titles, 298 TVmaze shows).

Runs on nx-27017 like everything else. What nx-27017 cannot serve fast (a multikey ``$in``, ``_id``
ranges, counts) is why the index lives in memory: see projections/search.py.
"""
from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest
import redis.asyncio as redis
from litestar.testing import AsyncTestClient
from pymongo import AsyncMongoClient

from commands.importers import detect, import_sources
from commands.mongo_store import MongoEventStore
from domain import events as e
from mybigmovie import bootstrap
from projections import search as query
from projections.hot_catalog import HotCatalog
from projections.movies import Movies
from projections.query_words import GENRES
from projections.registry import Registry
from projections.runner import catch_up
from projections.shows import Shows
from tests.integration.web_harness import REDIS_URL, web_settings
from web.app import create_app

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
async def demo(mongo_url):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    database = client[f"test_search_{uuid.uuid4().hex[:8]}"]
    store = MongoEventStore(database)
    await store.create_indexes()
    await import_sources(store, detect(DEMO))
    registry = Registry(database)
    for projection in (Movies(), Shows()):
        await catch_up(store, registry, [projection], page_size=5000, flush_every=1_000_000)
    yield store, registry, HotCatalog(registry, max_staleness=0)
    await client.drop_database(database.name)
    await client.close()


async def search(catalog: HotCatalog, *args, **kwargs) -> query.SearchPage:
    """A query on the catalog's index as a page makes it: refreshed first."""
    return query.search((await catalog.fresh()).index, *args, **kwargs)


@pytest.mark.parametrize("typed, kind, expected_first", [
    ("amelie", None, "Amelie"),  # listed as "Amelie (Fabuleux destin d'Amélie Poulain, Le)"
    ("Amélie", None, "Amelie"),
    ("AMÉLIE POULAIN", None, "Amelie"),  # words of its other title
    ("godfater", None, "The Godfather"),  # a typo in a longer word
    ("the godfahter part", None, "The Godfather: Part II"),  # swapped letters, unfinished last word
    ("star wa", None, "Star Wars: Episode IV - A New Hope"),  # word prefix, most rated first
    ("matrx", None, "The Matrix"),
    ("shawshank", None, "The Shawshank Redemption"),
    ("se7en", None, "Seven"),
    ("lord of the rings", None, "The Lord of the Rings: The Fellowship of the Ring"),
    ("breaking bad", "show", "Breaking Bad"),
    ("game of thr", None, "Game of Thrones"),
])
async def test_a_table_of_real_queries(demo, typed, kind, expected_first):
    _, _, index = demo
    page = await search(index, typed, kind=kind)
    assert page.hits and page.hits[0].title == expected_first, [hit.title for hit in page.hits[:5]]


async def test_every_star_wars_film_comes_before_anything_else(demo):
    _, _, index = demo
    titles = [hit.title for hit in (await search(index, "star wars")).hits]
    assert all(title.startswith("Star Wars") for title in titles[:6])


async def test_genre_and_year_filters_apply_together(demo):
    _, _, index = demo
    page = await search(index, genres=("Comedy", "Romance"), year_from=1990, year_to=1999, kind="movie")
    assert page.total > 100
    assert all({"Comedy", "Romance"} <= set(hit.genres) and 1990 <= hit.year <= 1999 for hit in page.hits)
    assert page.hits[0].title == "Forrest Gump"  # the most rated of them
    # MovieLens says Sci-Fi, TVmaze Science-Fiction: one filter finds both
    movies = await search(index, genres=("science-fiction",), kind="movie")
    shows = await search(index, genres=("sci-fi",), kind="show")
    assert movies.total > 500 and shows.total > 10


async def test_pages_do_not_overlap_and_agree_on_the_total(demo):
    _, _, index = demo
    first, second = await search(index, "the", page=1, per_page=10), await search(index, "the", page=2, per_page=10)
    assert first.total == second.total > 20 and first.pages == second.pages
    assert not {(h.kind, h.id) for h in first.hits} & {(h.kind, h.id) for h in second.hits}


async def test_nothing_found_is_an_empty_page(demo):
    _, _, index = demo
    page = await search(index, "xyzzyq plugh")
    assert page.hits == [] and page.total == 0 and page.pages == 1


async def test_a_new_listing_is_found_after_the_read_model_moves(demo):
    store, registry, index = demo
    await search(index, "amelie")  # loaded
    listed = e.MovieListed(event_id=uuid.uuid4().hex, stream="movies-01", occurred_at=datetime.now(timezone.utc),
                           movie_id=999_901, title="Zyzzyva Nights", year=2031, genres=("Drama",))
    await store.append("movies-01", None, [listed])
    await catch_up(store, registry, [Movies()])
    assert [hit.id for hit in (await search(index, "zyzzyva")).hits] == [999_901]


# What people type: genres, years, languages (projections.query_words), on the real catalog.

async def test_every_genre_the_query_words_name_is_a_real_genre(demo):
    _, _, catalog = demo
    index = (await catalog.fresh()).index
    assert [keys for keys, _ in GENRES.values() if not any(index.by_meaning.get(("genre", k)) for k in keys)] == []
    assert all(index.by_meaning.get(("language", language)) for language in ("french", "japanese", "korean", "german"))


async def test_a_genre_word_finds_movies_and_shows_of_that_genre(demo):
    _, _, index = demo
    movies, shows = await search(index, "comedy", kind="movie"), await search(index, "comedies", kind="show")
    assert movies.total > 3000 and shows.total > 50
    assert all("Comedy" in hit.genres for hit in movies.hits + shows.hits)
    assert movies.hits[0].title == "Forrest Gump"  # the most rated comedy


@pytest.mark.parametrize("typed, genre, first_year, last_year, at_least", [
    ("horror 1980s", "Horror", 1980, 1989, 100),
    ("sci-fi 2014", "Sci-Fi", 2014, 2014, 20),
    ("90s thriller", "Thriller", 1990, 1999, 300),
    ("the '70s war", "War", 1970, 1979, 10),
    ("western 1960-1969", "Western", 1960, 1969, 10),
])
async def test_a_genre_and_a_period_find_only_that_genre_then(demo, typed, genre, first_year, last_year, at_least):
    _, _, index = demo
    page = await search(index, typed, kind="movie", per_page=2000)
    assert page.total >= at_least
    assert [(h.title, h.year, h.genres) for h in page.hits
            if genre not in h.genres or not first_year <= h.year <= last_year] == []


async def test_a_title_and_a_year_find_that_film(demo):
    _, _, index = demo
    assert [hit.title for hit in (await search(index, "star wars 1977")).hits] == ["Star Wars: Episode IV - A New Hope"]
    assert [hit.title for hit in (await search(index, "2001")).hits][0] == "2001: A Space Odyssey"  # a title first


async def test_a_language_finds_shows_in_it_and_movies_by_title_only(demo):
    _, _, index = demo
    shows, movies = await search(index, "french", kind="show"), await search(index, "french", kind="movie")
    assert shows.total >= 2 and {hit.title for hit in shows.hits} >= {"Engrenages"}
    assert movies.hits and all("french" in hit.words for hit in movies.hits)  # no movie carries a language


# The same, through the real /search page.

@pytest.fixture(scope="module")
async def demo_site(demo, mongo_url, tmp_path_factory):
    """The site on the demo catalog's database (projected already: no projector runs)."""
    _, registry, _ = demo
    settings = web_settings(registry.database.name, tmp_path_factory.mktemp("search-site"))
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(settings, mongo_url), settings, run_projector=False,
                     redis_namespace=namespace)
    async with AsyncTestClient(app, base_url="http://127.0.0.1") as client:
        yield client
    async with redis.from_url(REDIS_URL) as connection:
        async for key in connection.scan_iter(f"{namespace}:*"):
            await connection.delete(key)


def listed(page: str) -> list[tuple[str, int, str]]:
    """The page's results in order: ("movies" or "shows", id, title)."""
    results = page.split('id="results"', 1)[1]
    return [(kind, int(id_), html.unescape(title))
            for kind, id_, title in re.findall(r'<a href="/(movies|shows)/(\d+)">([^<]+)</a>', results)]


def chips(page: str) -> list[tuple[str, str]]:
    """What the page says it understood: (label, the link that drops it)."""
    return [(html.unescape(label).strip(), unquote(html.unescape(href)))
            for href, label in re.findall(r'<a class="chip" href="([^"]*)"[^>]*>([^<]*)<span', page)]


async def test_the_page_finds_comedies_among_movies_and_shows_and_says_so(demo, demo_site):
    _, _, index = demo
    page = (await demo_site.get("/search", params={"q": "comedy"})).text
    assert chips(page) == [("Comedy", "/search?q=")]
    found = listed(page)
    assert {kind for kind, _, _ in found} == {"movies", "shows"}
    catalog = await index.fresh()
    titles = {("movies", i): t for i, t in catalog.movies.items()} | {("shows", i): t for i, t in catalog.shows.items()}
    assert all("Comedy" in titles[(kind, id_)].genres for kind, id_, _ in found)


async def test_the_page_finds_1980s_horror_and_each_part_can_be_dropped(demo, demo_site):
    _, _, index = demo
    page = (await demo_site.get("/search?q=horror+1980s")).text
    assert chips(page) == [("Horror", "/search?q=1980s"), ("1980s", "/search?q=horror")]
    movies = (await index.fresh()).movies
    found = [movies[id_] for kind, id_, _ in listed(page)]
    assert found and all("Horror" in m.genres and 1980 <= m.year <= 1989 for m in found)
    # a chip's link is an ordinary link: the page without that part, no script needed
    without = (await demo_site.get("/search?q=1980s")).text
    assert chips(without) == [("1980s", "/search?q=")] and listed(without) != listed(page)


async def test_the_page_finds_star_wars_by_title_and_year(demo_site):
    page = (await demo_site.get("/search", params={"q": "star wars 1977"})).text
    assert chips(page) == [("1977", "/search?q=star wars")]
    assert listed(page) == [("movies", 260, "Star Wars: Episode IV - A New Hope")]
    assert "with “star wars” in the title" in page


async def test_a_plain_title_search_on_the_page_is_unchanged(demo, demo_site):
    _, _, index = demo
    for typed in ("godfather", "the godfahter part", "breaking bad"):
        page = (await demo_site.get("/search", params={"q": typed})).text
        assert chips(page) == [] and 'class="understood"' not in page
        expected = [("movies", h.id) for h in (await search(index, typed, kind="movie")).hits] + \
                   [("shows", h.id) for h in (await search(index, typed, kind="show")).hits]
        assert [(kind, id_) for kind, id_, _ in listed(page)] == expected and expected
