""""Not interested" from the log to the model: events -> dismissals read model -> training input -> model."""
from __future__ import annotations

import argparse
import dataclasses
import uuid
from pathlib import Path

import numpy as np
import pytest

from commands import messages as m
from commands.importers import detect, import_sources
from mybigmovie import bootstrap
from mybigmovie.cli_model import run_train
from mybigmovie.settings import load_settings
from mybigmovie.training import DISMISSAL_ALPHA, train
from projections.dismissals import DismissalsProjection, load_dismissals
from projections.ratings_matrix import load_ratings_matrix
from projections.replay import replay
from recommender.artifact import load_latest
from recommender.foldin import fold_in
from recommender.tv import show_item_id
from tests.members import new_member

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


def cid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
async def services(database, mongo_url, tmp_path):
    settings = dataclasses.replace(load_settings(), database=database.name, var_dir=tmp_path)
    async with bootstrap.services(settings, mongo_url) as services:
        await import_sources(services.store, detect(FIXTURES))  # movies, histories and TV shows
        await services.projector.run_once()
        yield services


async def a_member_who_dismissed(services):
    """A member with ratings, two movies and a show put aside as "not interested", one movie of which
    they are interested in again; another member rated the show (a title needs a rating to be trained)."""
    titles = (await load_ratings_matrix(services.registry)).item_ids.tolist()  # movies the history rated
    shows = services.database[(await services.registry.active("shows")).collection]
    show = (await shows.find({"listed": True}).sort("_id", 1).to_list())[0]["_id"]
    h = services.handlers
    user = await new_member(h, "nina@example.org", "Nina", "correct horse")
    other = await new_member(h, "otto@example.org", "Otto", "correct horse")
    rated = titles[:6]
    for movie, stars in zip(rated, (5.0, 4.5, 4.0, 5.0, 3.5, 4.0)):
        await h.handle(m.RateMovie(command_id=cid(), user_id=user, movie_id=movie, rating=stars))
    await h.handle(m.RateShow(command_id=cid(), user_id=other, show_id=show, rating=4.0))
    await h.handle(m.RateMovie(command_id=cid(), user_id=other, movie_id=titles[0], rating=4.0))
    dismissed, again = titles[-1], titles[-2]
    await h.handle(m.MarkNotInterested(command_id=cid(), user_id=user, movie_id=dismissed))
    await h.handle(m.MarkNotInterested(command_id=cid(), user_id=user, movie_id=again))
    await h.handle(m.MarkNotInterested(command_id=cid(), user_id=user, movie_id=again, marked=False))
    await h.handle(m.MarkShowNotInterested(command_id=cid(), user_id=user, show_id=show))
    return user, rated, {dismissed, show_item_id(show)}, again


async def test_dismissals_and_their_undo_reach_the_model_and_survive_a_replay(services):
    user, rated, dismissed, again = await a_member_who_dismissed(services)
    model = await train(services, dismissal_alpha=10.0)
    # the read model holds what stands (the one marked "interested again" is gone), at the log's head
    held = await load_dismissals(services.registry)
    assert held.position == await services.store.head()
    assert set(zip(held.movie_users.tolist(), held.movies.tolist())) == {(user, min(dismissed))}
    assert {show_item_id(s) for s in held.shows.tolist()} == {max(dismissed)}
    # both reached the training input, and the model counts them
    assert model.metrics["dismissals"] == 2 and model.implicit.dismissal_alpha == 10.0
    assert load_latest(services.settings.model_dir).implicit.dismissal_alpha == 10.0
    # the trained member is what serving folds in from their ratings and dismissals (and not without them)
    u = int(model.user_index([user])[0])
    stars = [dict(zip(rated, (5.0, 4.5, 4.0, 5.0, 3.5, 4.0)))[i] for i in rated]
    folded = fold_in(model, rated, stars, dismissed_items=sorted(dismissed))
    np.testing.assert_allclose(folded.implicit_vector, model.implicit.user_factors[u], atol=2e-3)
    assert np.abs(fold_in(model, rated, stars).implicit_vector - model.implicit.user_factors[u]).max() > 1e-3

    # a replay rebuilds the same read model from the log
    before = await load_dismissals(services.registry)
    rebuilt = await replay(services.store, services.registry, [DismissalsProjection()])
    after = await load_dismissals(services.registry)
    assert rebuilt["dismissals"].collection != "dismissals__1"
    assert sorted(zip(after.movie_users.tolist(), after.movies.tolist())) == \
        sorted(zip(before.movie_users.tolist(), before.movies.tolist()))
    assert sorted(zip(after.show_users.tolist(), after.shows.tolist())) == \
        sorted(zip(before.show_users.tolist(), before.shows.tolist()))
    assert (await train(services, dismissal_alpha=10.0)).metrics["dismissals"] == 2


async def test_mybigmovie_train_counts_dismissals_only_when_switched_on(services, monkeypatch):
    await a_member_who_dismissed(services)
    monkeypatch.delenv(DISMISSAL_ALPHA, raising=False)
    verb = argparse.Namespace(preset="fast", include_synthetic=False)
    assert await run_train(verb, services) == 0
    off = load_latest(services.settings.model_dir)
    assert off.metrics["dismissals"] == 2 and off.implicit.dismissal_alpha == 0.0  # off by default
    monkeypatch.setenv(DISMISSAL_ALPHA, "3")
    assert await run_train(verb, services) == 0
    on = load_latest(services.settings.model_dir)
    assert on.version != off.version and on.implicit.dismissal_alpha == 3.0
