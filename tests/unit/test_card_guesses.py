"""What a card says the model thinks: the same numbers the model itself computes, not an estimate
of its own. The predicted rating is ``model.predict``'s formula with the member's folded-in vector;
the reason is ``ranking.explain``'s strongest contributor, for many titles at once."""
from __future__ import annotations

import numpy as np
import pytest

from recommender import ranking
from recommender.foldin import fold_in
from recommender.model import fit, predict
from recommender.settings import PRESETS
from recommender.toy import two_tastes


@pytest.fixture(scope="module")
def model():
    return fit(two_tastes(n_users=40, n_items=20), PRESETS["fast"])


def test_the_predicted_rating_is_the_models_prediction_for_the_folded_in_member(model):
    state = fold_in(model, [100, 101, 112], [5.0, 4.5, 1.0])
    idx = np.arange(len(model.item_ids))
    r = model.rating
    expected = np.clip(r.global_mean + r.item_bias + r.item_factors @ state.vector + state.bias, *model.rating_range)
    assert np.allclose(ranking.predicted_ratings(model, state, idx), expected, atol=1e-5)
    # and for a trained user, with their trained vector, it is model.predict's own number
    user = 3
    trained = type(state)(state.rated, state.ratings, np.r_[r.user_factors[user], r.user_bias[user]], None)
    assert np.allclose(ranking.predicted_ratings(model, trained, idx), predict(model, np.full(len(idx), user), idx),
                       atol=1e-5)


def test_the_reason_is_explains_strongest_contributor_for_every_title_at_once(model):
    rated, ratings = [100, 101, 102, 113, 114], [5.0, 4.5, 4.0, 1.0, 1.5]
    state = fold_in(model, rated, ratings)
    targets = [i for i in model.item_ids.tolist() if i not in rated]
    best, share = ranking.strongest_reasons(model, ranking.explainer(model, state), model.item_index(np.asarray(targets)))
    for target, b, s in zip(targets, best.tolist(), share.tolist()):
        explained = ranking.explain(model, (rated, ratings), target, top=1)
        if explained:
            assert rated[b] == explained[0][0] and s == pytest.approx(explained[0][1], rel=1e-6)
        else:
            assert b == -1


def test_a_liked_title_is_the_reason_where_one_adds_anything(model):
    # a fan of the first half who disliked two of the second: for a first-half title, a dislike of the
    # other half may add most, but a liked title that adds too is named first
    rated, ratings = [100, 113, 114], [4.5, 1.0, 1.0]
    state = fold_in(model, rated, ratings)
    targets = model.item_index(np.asarray([i for i in model.item_ids.tolist() if i not in rated]))
    overall, _ = ranking.strongest_reasons(model, ranking.explainer(model, state), targets)
    preferring, share = ranking.strongest_reasons(model, ranking.explainer(model, state), targets, liked=3.5)
    assert (share[preferring >= 0] > 0).all()
    for o, p in zip(overall.tolist(), preferring.tolist()):
        assert p == o or ratings[p] >= 3.5
    assert any(ratings[o] < 3.5 <= ratings[p] for o, p in zip(overall.tolist(), preferring.tolist()) if o >= 0)
