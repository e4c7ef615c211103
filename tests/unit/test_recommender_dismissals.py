""""Not interested" as a training signal: confident zeros of the implicit head (recommender/implicit.py)."""
import numpy as np
import pytest

from recommender import artifact, ranking
from recommender.foldin import fold_in, trained_state
from recommender.implicit import solve_side
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import Settings
from recommender.toy import two_tastes

ALS = Settings(method="als", rank=3, epochs=8, reg_factors=0.1, implicit_rank=4, implicit_epochs=4, implicit_reg=1.0,
               rating_weight=0.02)
USER = 0  # loves items 100-109 (see toy.two_tastes)


def unrated_of_own_taste(matrix, u=USER):
    rated = set(matrix.item_ids[matrix.items[matrix.users == u]].tolist())
    return [i for i in range(100, 110) if i not in rated]


def users_ratings(matrix, u=USER):
    mask = matrix.users == u
    return matrix.item_ids[matrix.items[mask]], matrix.ratings[mask]


def score(model, matrix, item, u=USER) -> float:
    """The page score (implicit + rating blend) of ``item`` for the trained user ``u``."""
    state = trained_state(model, matrix.user_ids[u], *users_ratings(matrix, u))
    return float(ranking.scores(model, state)[model.item_index([item])[0]])


def change(dismissed_matrix, settings, item) -> float:
    """Score of ``item`` for USER trained with the dismissal minus trained without it, same seed."""
    plain = two_tastes()
    return score(fit(dismissed_matrix, settings), dismissed_matrix, item) - score(fit(plain, settings), plain, item)


def test_a_dismissal_lowers_that_title_for_that_user_and_the_check_can_fail():
    plain = two_tastes()
    item = unrated_of_own_taste(plain)[0]
    dismissed = plain.with_dismissals([plain.user_ids[USER]], [item])
    assert dismissed.n_dismissed == 1
    assert change(dismissed, ALS.with_(dismissal_alpha=10.0), item) < -1e-3
    # the same comparison is not met by a model that ignores dismissals...
    assert change(dismissed, ALS.with_(dismissal_alpha=0.0), item) == pytest.approx(0.0, abs=1e-9)
    # ...nor by one that would read "not interested" as a pick (a rating of the title: the score goes up)
    as_pick = RatingsMatrix.from_triples(np.r_[plain.user_ids[plain.users], USER],
                                         np.r_[plain.item_ids[plain.items], item], np.r_[plain.ratings, 5.0])
    assert score(fit(as_pick, ALS), as_pick, item) > score(fit(plain, ALS), plain, item)


def test_a_stronger_dismissal_lowers_the_title_more_and_similar_titles_too():
    plain = two_tastes()
    item, similar = unrated_of_own_taste(plain)[:2]
    dismissed = plain.with_dismissals([plain.user_ids[USER]], [item])
    weak, strong = (change(dismissed, ALS.with_(dismissal_alpha=a), item) for a in (3.0, 30.0))
    assert strong < weak < 0
    assert change(dismissed, ALS.with_(dismissal_alpha=30.0), similar) < 0


def test_fold_in_with_the_dismissals_is_the_trained_user():
    plain = two_tastes()
    items = unrated_of_own_taste(plain)
    matrix = plain.with_dismissals([plain.user_ids[USER]] * len(items), items)
    model = fit(matrix, ALS.with_(dismissal_alpha=10.0))
    state = fold_in(model, *users_ratings(matrix), dismissed_items=items)
    np.testing.assert_allclose(state.implicit_vector, model.implicit.user_factors[USER], atol=1e-4)
    # without them the member's vector is not what training gave (the fold-in must be told)
    assert np.abs(fold_in(model, *users_ratings(matrix)).implicit_vector - model.implicit.user_factors[USER]).max() > 1e-3


def test_fold_in_lowers_a_new_members_dismissed_title_only_when_the_model_counts_dismissals():
    matrix = two_tastes()
    on, off = fit(matrix, ALS.with_(dismissal_alpha=10.0)), fit(matrix, ALS)
    rated, stars, target = [100, 101, 102], [5.0, 5.0, 4.5], 103

    def target_score(model, dismissed):
        s = ranking.scores(model, fold_in(model, rated, stars, dismissed_items=dismissed))
        return float(s[model.item_index([target])[0]])
    assert target_score(on, [target]) < target_score(on, [])
    assert target_score(off, [target]) == target_score(off, [])
    # a title also rated is not dismissed (the rating says more), and unknown titles are ignored
    assert target_score(on, [100, 424242]) == target_score(on, [])


def test_the_training_input_keeps_dismissals_of_known_users_and_titles_that_were_not_rated():
    matrix = RatingsMatrix.from_triples(["a", "a", "b"], [1, 2, 1], [4.0, 2.0, 5.0])
    out = matrix.with_dismissals(["a", "a", "b", "b", "zed", "b"], [3, 1, 2, 2, 1, 99])
    # (a, 1) was rated, zed never rated anything, 99 is no rated title, (b, 2) counts once; a title
    # nobody rated (3) has no factors to learn from zeros alone
    assert sorted(zip(out.user_ids[out.dismissed_users].tolist(), out.item_ids[out.dismissed_items].tolist())) \
        == [("b", 2)]
    assert out.dismissed_by_user().counts.tolist() == [0, 1] and out.dismissed_by_item().counts.tolist() == [0, 1]
    assert out.subset(np.ones(len(out), bool)).n_dismissed == 1
    assert matrix.with_dismissals([], []) is matrix and len(out) == len(matrix)


def test_the_batched_solve_equals_a_direct_solve_with_heavy_and_light_rows():
    rng = np.random.default_rng(0)
    n_users, n_items, k, alpha, beta, reg = 30, 60, 5, 3.0, 7.0, 2.0
    pairs = rng.permutation(n_users * n_items)[:700]
    users, items = pairs // n_items, pairs % n_items
    rated, gone = np.arange(len(pairs)) < 450, np.arange(len(pairs)) >= 450
    matrix = RatingsMatrix.from_triples(users[rated], items[rated], np.ones(rated.sum()))
    heavy = np.setdiff1d(matrix.item_ids, items[rated & (users == 0)])[:20]  # 20 more dismissals of user 0
    matrix = matrix.with_dismissals(np.r_[users[gone], np.zeros(len(heavy), int)], np.r_[items[gone], heavy])
    assert matrix.dismissed_by_user().counts.max() >= 16  # the GEMM path of linalg.hybrid_grams, and the sparse one
    y = rng.normal(0, 0.3, (matrix.n_items, k)).astype(np.float32)
    got = solve_side(matrix.by_user(), y, reg, alpha, None, matrix.dismissed_by_user(), beta)
    for u in range(matrix.n_users):
        r = matrix.items[matrix.users == u]
        d = matrix.dismissed_items[matrix.dismissed_users == u]
        a = y.T @ y + alpha * y[r].T @ y[r] + beta * y[d].T @ y[d] + reg * np.eye(k)
        np.testing.assert_allclose(got[u], np.linalg.solve(a, (1 + alpha) * y[r].sum(0)), rtol=2e-3, atol=1e-5)


def test_the_weight_is_saved_with_the_model_and_older_models_load_without_it(tmp_path):
    model = fit(two_tastes(), ALS.with_(dismissal_alpha=4.0))
    artifact.save(model, tmp_path)
    assert artifact.load_latest(tmp_path).implicit.dismissal_alpha == 4.0
    meta = tmp_path / f"model-{model.version}.json"
    meta.write_text(meta.read_text().replace('"dismissal_alpha": 4.0', '"unused": 0'))
    assert artifact.load_latest(tmp_path).implicit.dismissal_alpha == 0.0
