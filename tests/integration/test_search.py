"""Search, as a person uses it, over the demo catalog (9,742 real MovieLens titles, 298 TVmaze shows).

Runs on nx-27017 like everything else. What nx-27017 cannot serve fast (a multikey ``$in``, ``_id``
ranges, counts) is why the index lives in memory: see projections/search.py.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from commands.importers import detect, import_sources
from commands.mongo_store import MongoEventStore
from domain import events as e
from projections import search as query
from projections.hot_catalog import HotCatalog
from projections.movies import Movies
from projections.registry import Registry
from projections.runner import catch_up
from projections.shows import Shows

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
