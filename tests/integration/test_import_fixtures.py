"""Importing every shipped format into the real database: once, idempotently, never half written."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from commands.importers import ImportOptions, detect, import_sources
from commands.importers.history import SourceChanged
from commands.importers.rows import SourceError
from commands.mongo_store import MongoEventStore
from domain.errors import DuplicateEventError
from projections.catalog_port import ReadModelCatalog
from projections.movies import Movies
from projections.registry import Registry
from projections.runner import catch_up
from projections.shows import Shows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


@pytest.fixture
async def store(database) -> MongoEventStore:
    store = MongoEventStore(database)
    await store.create_indexes()
    return store


async def test_every_format_imports_and_the_catalog_answers(store, database):
    # when every fixture is imported and the read models catch up
    report = await import_sources(store, detect(FIXTURES))
    registry = Registry(database)
    for projection in (Movies(), Shows()):
        await catch_up(store, registry, [projection])
    # then the report says what went in, and what was skipped and why
    # 9 shows: 7 with IMDb ids, and 2 only TVmaze names (Horatio Hornblower, the table's Nowhere At All)
    assert (report.movies_listed, report.shows_listed, report.episodes_listed) == (19, 9, 46)
    assert report.ratings_appended == {"ml-latest-small": 182, "ml-1m": 21, "ml-100k": 17}
    assert report.ratings_dropped["ml-100k"] == 3  # GoldenEye: no MovieLens id in this catalog
    assert [p.line for p in report.problems.found] == [21]
    # and the commands' catalog port sees the titles
    catalog = ReadModelCatalog(registry)
    assert await catalog.has_movie(4973) and not await catalog.has_movie(170705)  # 12 real ratings < 20
    assert await catalog.has_show(944947) and await catalog.has_episode(944947, 1, 1)
    assert not await catalog.has_episode(944947, 9, 1)


async def test_importing_twice_appends_nothing(store):
    sources = detect(FIXTURES)
    await import_sources(store, sources)
    head = await store.head()
    again = await import_sources(store, sources)
    assert again.nothing_new and await store.head() == head
    assert again.ratings_present == {"ml-latest-small": 182, "ml-1m": 21, "ml-100k": 17}


async def test_two_imports_at_once_list_every_title_once(database):
    stores = [MongoEventStore(database) for _ in range(2)]
    await stores[0].create_indexes()
    sources = detect(FIXTURES / "ml-latest-small")
    await asyncio.gather(*(import_sources(store, sources) for store in stores))
    listed = [r.event.movie_id for r in await stores[0].read_all(limit=10_000) if hasattr(r.event, "title")]
    assert sorted(listed) == sorted(set(listed)) and len(listed) == 16


async def test_a_broken_file_stops_the_import_before_anything_is_written(store, tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "catalog")
    (tmp_path / "catalog" / "tv" / "imdb-episodes" / "imdb_top_series.csv").write_text("tconst,name\ntt1,x\n")
    with pytest.raises(SourceError, match="imdb_top_series.csv:1: missing column"):
        await import_sources(store, detect(tmp_path / "catalog"))
    assert await store.head() == 0


async def test_strict_rejects_a_file_for_one_malformed_row(store):
    with pytest.raises(SourceError, match="movies.csv:21"):
        await import_sources(store, detect(FIXTURES), ImportOptions(strict=True))
    assert await store.head() == 0


async def test_a_changed_history_is_refused_not_counted_twice(store, tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    await import_sources(store, detect(tmp_path / "small"), ImportOptions(batch_size=50))
    head = await store.head()
    ratings = tmp_path / "small" / "ratings.csv"
    lines = ratings.read_text().splitlines()
    ratings.write_text("\n".join(lines[:100] + [lines[100].replace(",4.0,", ",1.0,")] + lines[101:]) + "\n")
    with pytest.raises(SourceChanged, match="history-ml-latest-small holds a different import"):
        await import_sources(store, detect(tmp_path / "small"), ImportOptions(batch_size=50))
    assert await store.head() == head
