"""The catalog read models on the real database: site ratings on top of imported history, the
ratings matrix (real by default, synthetic on request), and a replay that rebuilds the same."""
from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.importers import detect, import_sources
from commands.importers.synthetic_import import import_synthetic
from commands.mongo_store import MongoEventStore
from projections.catalog_port import ReadModelCatalog
from projections.movies import Movies
from projections.ratings_matrix import RatingsMatrixProjection, load_ratings_arrays, load_ratings_matrix
from projections.registry import Registry
from projections.replay import replay
from projections.runner import catch_up
from projections.shows import Shows
from projections.views import Show
from tests.members import new_member

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
PROJECTIONS = (Movies(), Shows(), RatingsMatrixProjection())


@pytest.fixture
async def site(database):
    """Every fixture imported, a 5,000-rating synthetic history, and Ann, who rates on the site."""
    store = MongoEventStore(database)
    await store.create_indexes()
    registry = Registry(database)
    await import_sources(store, detect(FIXTURES))
    await import_synthetic(store, 5000, seed=3)
    await _catch_up(store, registry)
    keyring = MongoKeyring(database)
    await keyring.create_indexes()

    async def hash_password(password: str) -> str:
        return "x"
    handlers = CommandHandlers(store, ReadModelCatalog(registry), keyring, hash_password=hash_password)
    ann = await new_member(handlers, "ann@example.org", "Ann", "correct horse")  # signed up and confirmed
    for command in (m.RateMovie(command_id=_id(), user_id=ann, movie_id=4973, rating=5.0),
                    m.RateMovie(command_id=_id(), user_id=ann, movie_id=858, rating=2.0),
                    m.RateMovie(command_id=_id(), user_id=ann, movie_id=858, rating=3.5),
                    m.RateMovie(command_id=_id(), user_id=ann, movie_id=1, rating=1.0),
                    m.RemoveMovieRating(command_id=_id(), user_id=ann, movie_id=1),
                    m.RateShow(command_id=_id(), user_id=ann, show_id=944947, rating=4.5),
                    m.RateEpisode(command_id=_id(), user_id=ann, show_id=944947, season=1, episode=1, rating=5.0)):
        await handlers.handle(command)
    await _catch_up(store, registry)
    return store, registry, ann


async def test_movie_figures_add_site_ratings_to_the_real_history(site):
    store, registry, ann = site
    amelie = await _document(registry, "movies", 4973)
    # the ml-latest aggregate (45,749), the ml-latest-small history, and Ann's 5 stars
    assert amelie["rating_count"] == 45_749 + amelie["history_count"] + 1 and amelie["site_count"] == 1
    assert amelie["title"] == "Amelie" and amelie["aka"] == ["Le Fabuleux destin d'Amélie Poulain"]
    assert amelie["directors"] == ["Jean-Pierre Jeunet"] and amelie["runtime"] == 122
    assert amelie["overview"].startswith("A fixture overview")
    godfather = await _document(registry, "movies", 858)
    assert godfather["site_sum"] == 3.5  # changed from 2.0: counted once, at its new value
    toy_story = await _document(registry, "movies", 1)
    assert toy_story["site_count"] == 0  # rated, then removed
    assert 3.5 < godfather["damped_mean"] < 4.5


async def test_shows_carry_seasons_episodes_and_their_ratings(site):
    store, registry, ann = site
    got = await _document(registry, "shows", 944947)
    assert [season["number"] for season in got["seasons"]] == [1, 2]
    first = got["episodes"]["1:1"]
    assert (first["title"], first["airdate"], first["site"]["site_rating_count"]) == ("Winter is Coming",
                                                                                       "2011-04-17", 1)
    assert got["site_rating_count"] == 1
    # and as the pages see it: seasons in order, an episode no source names called "Episode N"
    show = Show.from_show_document(got)
    assert list(show.seasons) == [1, 2] and show.seasons[1][0].title == "Winter is Coming"
    assert show.seasons[2][2].title == "Episode 3"


async def test_the_matrix_holds_real_and_site_ratings_and_synthetic_ones_only_on_request(site):
    store, registry, ann = site
    real = await load_ratings_arrays(registry)
    assert len(real) == 182 + 21 + 17 + 2  # three real histories and Ann's two remaining ratings
    amelie = real.items == 4973
    assert {(ann, 5.0), ("ml-latest-small:24", 3.5)} <= set(zip(real.users[amelie], real.ratings[amelie].tolist()))
    assert real.ratings.dtype == np.float32 and real.items.dtype == np.int64
    assert not any(user.startswith("synthetic") for user in real.user_ids)
    everything = await load_ratings_arrays(registry, include_synthetic=True)
    assert len(everything) == len(real) + 5000
    assert real.position == everything.position == await store.head()


async def test_a_replay_rebuilds_the_same_read_models(site):
    store, registry, ann = site
    before = {p.name: await _documents(registry, p.name) for p in PROJECTIONS}
    for projection in PROJECTIONS:
        await replay(store, registry, [projection])
    assert {p.name: await _documents(registry, p.name) for p in PROJECTIONS} == before


async def _catch_up(store, registry) -> None:
    for projection in PROJECTIONS:
        await catch_up(store, registry, [projection])


async def _documents(registry: Registry, name: str) -> dict:
    collection = registry.database[(await registry.active(name)).collection]
    return {d["_id"]: {k: v for k, v in d.items() if k != "_pos"} async for d in collection.find({})}


def _id() -> str:
    return uuid.uuid4().hex


async def test_the_recommenders_matrix_maps_back_to_the_same_ids(site):
    store, registry, ann = site
    arrays = await load_ratings_arrays(registry)
    matrix = await load_ratings_matrix(registry)
    assert len(matrix) == len(arrays)
    triples = set(zip(matrix.user_ids[matrix.users].tolist(), matrix.item_ids[matrix.items].tolist(),
                      matrix.ratings.tolist()))
    assert triples == set(zip(arrays.users.tolist(), arrays.items.tolist(), arrays.ratings.tolist()))
    assert matrix.user_index([ann])[0] >= 0 and matrix.item_index([4973])[0] >= 0


async def _document(registry: Registry, name: str, key: int) -> dict:
    return await registry.database[(await registry.active(name)).collection].find_one({"_id": key})


async def test_the_commands_catalog_follows_a_replay_that_switched_generations(site):
    store, registry, _ = site
    catalog = ReadModelCatalog(registry, recheck_after=3600)  # never re-resolved by time, only by a miss
    assert await catalog.has_movie(858) and await catalog.has_show(944947)
    old = (await registry.active("movies")).collection
    await replay(store, registry, [Movies(), Shows()])
    assert (await registry.active("movies")).collection != old
    await registry.database.drop_collection(old)  # what an operator's clean-up of old generations does
    assert await catalog.has_movie(858) and await catalog.has_episode(944947, 1, 1)
    assert not await catalog.has_movie(10**12)
