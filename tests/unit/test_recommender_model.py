"""Training: known answers on tiny matrices, determinism, the ratings matrix."""
import numpy as np

from recommender.matrix import RatingsMatrix
from recommender.model import fit, predict, predict_ids
from recommender.settings import FAST, Settings
from recommender.toy import rank_one, two_tastes

ALS = Settings(method="als", rank=1, epochs=30, reg_factors=1e-4, reg_user_bias=1e-4,
               reg_item_bias=1e-4, reg_exponent=0.0, implicit_rank=0)


def dense_predictions(model, n_users, n_items):
    u, i = np.meshgrid(np.arange(n_users), np.arange(n_items), indexing="ij")
    return predict(model, u.ravel(), i.ravel()).reshape(n_users, n_items)


def test_als_recovers_a_rank_one_matrix():
    matrix, truth = rank_one()
    model = fit(matrix, ALS.with_(rating_weight=0.0))
    model.rating_range = (-100.0, 100.0)  # no clipping: compare raw predictions
    assert np.abs(dense_predictions(model, *truth.shape) - truth).max() < 1e-3


def test_gibbs_recovers_a_rank_one_matrix():
    matrix, truth = rank_one()
    model = fit(matrix, FAST.with_(rank=1, sweeps=200, burn_in=50, implicit_rank=0), seed=3)
    model.rating_range = (-100.0, 100.0)
    err = dense_predictions(model, *truth.shape) - truth
    assert np.sqrt(np.mean(err ** 2)) < 0.05 * truth.std()


def test_biases_alone_give_the_damped_means():
    matrix = RatingsMatrix.from_triples([1, 2, 3, 1, 2, 1], [7, 7, 7, 8, 8, 9], [5, 4, 3, 2, 2, 1])
    damping = 2.0
    settings = ALS.with_(rank=0, epochs=3, reg_user_bias=1e12, reg_item_bias=damping)
    model = fit(matrix, settings)
    mean = np.mean(matrix.ratings)
    sums = np.bincount(matrix.items, matrix.ratings)
    counts = np.bincount(matrix.items)
    expected = (sums + damping * mean) / (counts + damping)
    np.testing.assert_allclose(mean + model.rating.item_bias, expected, rtol=1e-5)


def test_fit_is_deterministic_given_a_seed():
    matrix = two_tastes()
    a, b, c = (fit(matrix, FAST.with_(sweeps=8, implicit_epochs=2), seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.rating.item_factors, b.rating.item_factors)
    np.testing.assert_array_equal(a.implicit.item_factors, b.implicit.item_factors)
    assert not np.array_equal(a.rating.item_factors, c.rating.item_factors)


def test_fit_learns_tastes_and_reports_progress():
    matrix = two_tastes()
    calls = []
    model = fit(matrix, FAST.with_(implicit_epochs=3), progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (FAST.sweeps + 3, FAST.sweeps + 3)
    assert [d for d, _ in calls] == list(range(1, FAST.sweeps + 4))
    loved, hated = predict_ids(model, [0, 0], [101, 119])
    assert loved > 4.0 and hated < 2.5
    assert model.training_seconds > 0 and model.version
    assert model.metrics["ratings"] == len(matrix) and model.metrics["train_rmse"] < 1.0


def test_predict_ids_falls_back_to_biases_for_unknown_ids():
    model = fit(two_tastes(), FAST.with_(sweeps=6, implicit_rank=0))
    p = predict_ids(model, [0, 999, 999], [999, 101, 999])
    assert p[2] == np.clip(model.global_mean, *model.rating_range)
    assert np.isclose(p[0], model.global_mean + model.rating.user_bias[0], atol=1e-5)


def test_from_triples_keeps_the_last_rating_and_maps_ids():
    m = RatingsMatrix.from_triples([10, 10, 20], [5, 5, 6], [1.0, 4.0, 3.0])
    assert len(m) == 2 and list(m.user_ids) == [10, 20] and list(m.item_ids) == [5, 6]
    assert m.ratings[(m.users == 0) & (m.items == 0)][0] == 4.0
    assert list(m.item_index([6, 7])) == [1, -1]
    assert m.users.dtype == np.int32 and m.ratings.dtype == np.float32


def test_chunked_solves_match_one_chunk(monkeypatch):
    from recommender import linalg
    matrix = two_tastes()
    settings = FAST.with_(sweeps=5, implicit_epochs=3)
    whole = fit(matrix, settings, seed=2)
    monkeypatch.setattr(linalg, "CHUNK_ELEMENTS", 200)  # a few rows per chunk
    chunked = fit(RatingsMatrix.from_triples(matrix.user_ids[matrix.users], matrix.item_ids[matrix.items],
                                             matrix.ratings), settings, seed=2)
    np.testing.assert_allclose(chunked.rating.item_factors, whole.rating.item_factors, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(chunked.implicit.item_factors, whole.implicit.item_factors, rtol=1e-3, atol=1e-5)
