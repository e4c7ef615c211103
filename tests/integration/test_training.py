"""Training from the log: the ratings-matrix read model in, a published model out, hot-swapped."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from commands.importers import detect, import_sources
from mybigmovie import bootstrap
from mybigmovie.recommendations import Recommender
from mybigmovie.settings import load_settings
from mybigmovie.training import needs_training, train
from recommender.artifact import load_latest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


@pytest.fixture
async def services(database, mongo_url, tmp_path):
    settings = dataclasses.replace(load_settings(), database=database.name, var_dir=tmp_path)
    async with bootstrap.services(settings, mongo_url) as services:
        await import_sources(services.store, detect(FIXTURES / "ml-latest-small"))
        await services.projector.run_once()
        yield services


async def test_train_publishes_a_model_that_ranks_never_rated_catalog_titles_too(services):
    assert await needs_training(services)
    steps = []
    model = await train(services, progress=lambda done, total: steps.append((done, total)))
    # trained on the history, up to the log's head, with progress reported to the end
    assert model.trained_up_to == await services.store.head()
    assert steps and steps[-1][0] == steps[-1][1]
    rated = set(load_latest(services.settings.model_dir).item_ids.tolist())
    movies = services.database[(await services.registry.active("movies")).collection]
    listed = {d["_id"] for d in await movies.find({"listed": True}, projection={"_id": 1}).to_list()}
    assert listed <= rated  # every listed title has a score, rated in the history or not
    assert not (services.settings.model_dir / "TRAINING").exists()
    saved = load_latest(services.settings.model_dir)
    assert saved.metrics["ratings"] > 0 and 0 < saved.metrics["train_rmse"] < 1.2
    assert saved.version == model.version and saved.training_seconds > 0
    assert not await needs_training(services)


async def test_a_new_model_is_picked_up_without_a_restart(services):
    recommender = Recommender(services.settings.model_dir, check_every=0)  # the site looks every 5 s
    assert recommender.model() is None and recommender.status().state == "none"
    first = await train(services)
    # the first model is served from the first call that notices it (nothing to serve meanwhile)
    assert recommender.model().version == first.version and recommender.status().state == "ready"
    # a newer one is swapped in by a background load, the old one serving until it is ready
    second = await train(services)
    recommender.model()
    recommender.wait_for_swap()
    assert recommender.model().version == second.version
    # and a member the model never saw gets a personal order from their first ratings (fold-in)
    ids = recommender.model().item_ids[:50].tolist()
    assert recommender.scores({}, ids) != recommender.scores({ids[0]: 5.0, ids[1]: 0.5}, ids)


async def test_a_members_scores_are_kept_per_model_and_ratings_within_a_byte_budget(services):
    from recommender import ranking
    from recommender.foldin import fold_in

    await train(services)
    recommender = Recommender(services.settings.model_dir)
    model = recommender.model()
    ids = model.item_ids[:40].tolist()
    recommender.SCORED_BYTES = 3 * len(model.item_ids) * 4  # room for three members' scores
    tastes = [{ids[i]: 5.0, ids[i + 1]: 1.0} for i in range(0, 10, 2)]
    for taste in tastes + tastes:  # the second time round, from the cache for the last three
        expected = ranking.scores(model, fold_in(model, list(taste), list(taste.values())))
        assert recommender.scores(taste, ids) == [float(expected[i]) for i in model.item_index(ids)]
        order = recommender.order(taste, ("first forty", len(ids)), lambda: ids, stop=len(ids))
        assert [ids[i] for i in order] == sorted(ids, key=lambda i: -float(expected[model.item_index([i])[0]]))
    assert len(recommender._scored) == 3 and recommender._scored_bytes <= recommender.SCORED_BYTES
    # a changed rating is another key: never a stale score
    changed = {**tastes[-1], ids[8]: 0.5}
    assert recommender.scores(changed, ids) != recommender.scores(tastes[-1], ids)


async def test_training_with_no_ratings_says_what_to_do(database, mongo_url, tmp_path):
    settings = dataclasses.replace(load_settings(), database=database.name, var_dir=tmp_path)
    async with bootstrap.services(settings, mongo_url) as services:
        with pytest.raises(ValueError, match="no ratings to train on"):
            await train(services)


async def test_shows_are_trained_and_ranked_as_items_of_the_same_model(database, mongo_url, tmp_path):
    import uuid

    from commands import messages as m
    from mybigmovie.recommendations import taste
    from recommender.tv import show_item_id
    from tests.members import new_member

    settings = dataclasses.replace(load_settings(), database=database.name, var_dir=tmp_path)
    async with bootstrap.services(settings, mongo_url) as services:
        await import_sources(services.store, detect(FIXTURES))  # movies, histories and TV shows
        await services.projector.run_once()
        shows = services.database[(await services.registry.active("shows")).collection]
        listed = [s for s in await shows.find({"listed": True}).to_list() if s["episodes"]]
        assert len(listed) >= 2
        show = listed[0]
        season, episode = next(iter(show["episodes"])).split(":")
        user = await new_member(services.handlers, "tv@example.org", "Tia", "correct horse")
        await services.handlers.handle(m.RateShow(command_id=uuid.uuid4().hex, user_id=user, show_id=show["_id"],
                                                  rating=5.0))
        await services.handlers.handle(m.RateEpisode(command_id=uuid.uuid4().hex, user_id=user,
                                                     show_id=listed[1]["_id"], season=int(season),
                                                     episode=int(episode), rating=1.0))
        model = await train(services)
        # the member's show ratings are training data, and every listed show is an item
        assert user in model.user_ids.tolist()
        assert {show_item_id(s["_id"]) for s in listed} <= set(model.item_ids.tolist())
        recommender = Recommender(settings.model_dir)
        ids = [s["_id"] for s in listed]
        mine = taste({}, {show["_id"]: 5.0}, {f"{listed[1]['_id']}:{season}:{episode}": 1.0})
        assert recommender.show_scores(mine, ids) != recommender.show_scores({}, ids)
