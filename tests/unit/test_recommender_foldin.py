"""Fold-in: the same answer as training, instantly, for known and new users."""
import time

import numpy as np

from recommender.foldin import fold_in, trained_state
from recommender.model import fit
from recommender.settings import FAST, Settings
from recommender.toy import two_tastes

ALS = Settings(method="als", rank=3, epochs=8, reg_factors=0.1, implicit_rank=4, implicit_epochs=4)


def user_ratings(matrix, u):
    mask = matrix.users == u
    return matrix.item_ids[matrix.items[mask]], matrix.ratings[mask]


def test_fold_in_equals_training_when_item_factors_are_fixed():
    matrix = two_tastes()
    model = fit(matrix, ALS)
    for u in (0, 7, 33):
        state = fold_in(model, *user_ratings(matrix, u))
        np.testing.assert_allclose(state.vector, model.rating.user_factors[u], atol=1e-4)
        np.testing.assert_allclose(state.bias, model.rating.user_bias[u], atol=1e-4)
        np.testing.assert_allclose(state.implicit_vector, model.implicit.user_factors[u], atol=1e-3)


def test_gibbs_fold_in_tracks_the_trained_user():
    matrix = two_tastes()
    model = fit(matrix, FAST.with_(sweeps=60), seed=1)
    r = model.rating
    for u in (0, 30):
        state = fold_in(model, *user_ratings(matrix, u))
        trained = r.item_factors @ r.user_factors[u] + r.user_bias[u]
        folded = r.item_factors @ state.vector + state.bias
        assert np.corrcoef(trained, folded)[0, 1] > 0.95


def test_new_user_gets_a_personal_vector_from_a_few_ratings():
    model = fit(two_tastes(), FAST)
    fan_a = fold_in(model, [100, 101, 102], [5.0, 5.0, 4.5])
    fan_b = fold_in(model, [115, 116, 117], [5.0, 5.0, 4.5])
    r = model.rating
    a_side = r.item_factors[:10].mean(0) @ fan_a.vector > r.item_factors[10:].mean(0) @ fan_a.vector
    b_side = r.item_factors[10:].mean(0) @ fan_b.vector > r.item_factors[:10].mean(0) @ fan_b.vector
    assert a_side and b_side


def test_zero_ratings_and_unknown_items_give_the_prior():
    model = fit(two_tastes(), FAST.with_(sweeps=10))
    empty = fold_in(model, [], [])
    unknown = fold_in(model, [424242], [5.0])
    np.testing.assert_allclose(empty.rating_vector, model.rating.prior_mean, atol=1e-6)
    np.testing.assert_allclose(unknown.rating_vector, empty.rating_vector)
    assert empty.implicit_vector is None and len(unknown.rated) == 0


def test_fold_in_takes_milliseconds():
    model = fit(two_tastes(n_users=60, n_items=400), FAST.with_(sweeps=6, implicit_epochs=2))
    items = model.item_ids[:200]
    fold_in(model, items, np.full(200, 4.0))
    start = time.perf_counter()
    for _ in range(20):
        fold_in(model, items, np.full(200, 4.0))
    assert (time.perf_counter() - start) / 20 < 0.02  # measured ~0.3 ms; bench checks <= 5 ms


def test_trained_state_of_unknown_user_is_none():
    matrix = two_tastes()
    model = fit(matrix, FAST.with_(sweeps=6))
    assert trained_state(model, 12345) is None
    state = trained_state(model, matrix.user_ids[0], *user_ratings(matrix, 0))
    assert len(state.rated) == (matrix.users == 0).sum()
