"""Ranking, explanations, similar titles and onboarding on two clear tastes."""
import numpy as np
import pytest

from recommender import ranking
from recommender.foldin import fold_in
from recommender.model import fit
from recommender.onboarding import pick_titles
from recommender.settings import FAST
from recommender.toy import two_tastes

A_ITEMS, B_ITEMS = set(range(100, 110)), set(range(110, 120))


@pytest.fixture(scope="module")
def model():
    return fit(two_tastes(), FAST.with_(rating_weight=0.2))


def test_recommend_follows_taste_and_skips_rated_and_excluded(model):
    state = fold_in(model, [100, 101], [5.0, 5.0])
    top = ranking.recommend(model, state, k=5, exclude={102})
    ids = [i for i, _ in top]
    assert set(ids) <= A_ITEMS - {100, 101, 102}
    assert len(ids) == 5 and [s for _, s in top] == sorted((s for _, s in top), reverse=True)


def test_zero_ratings_rank_by_damped_mean_popularity(model):
    top = ranking.recommend(model, fold_in(model, [], []), k=20)
    pop = ranking.popularity_scores(model)
    expected = model.item_ids[np.argsort(-pop, kind="stable")]
    assert [i for i, _ in top] == list(expected)
    assert ranking.recommend(model, None, k=3) == top[:3]


def test_candidates_restrict_the_pool(model):
    state = fold_in(model, [100], [5.0])
    top = ranking.recommend(model, state, k=10, candidates=[111, 112, 105, 999])
    assert {i for i, _ in top} == {111, 112, 105}
    assert top[0][0] == 105


def test_explanations_name_only_rated_titles_and_the_relevant_ones_first(model):
    rated, ratings = [100, 101, 112], [5.0, 4.5, 1.0]
    why = ranking.explain(model, (rated, ratings), 103, top=3)
    assert why and {i for i, _ in why} <= set(rated)
    assert why[0][0] in (100, 101)
    assert all(c > 0 for _, c in why)
    assert ranking.explain(model, (rated, ratings), 424242) == []


def test_similar_titles_share_the_taste(model):
    sims = ranking.similar(model, 100, k=5)
    assert len(sims) == 5 and 100 not in {i for i, _ in sims}
    assert {i for i, _ in sims} <= A_ITEMS
    assert ranking.similar(model, 424242) == []


def test_onboarding_picks_distinct_titles_from_both_tastes(model):
    picks = pick_titles(model, 4)
    assert len(set(picks)) == 4
    assert set(picks) & A_ITEMS and set(picks) & B_ITEMS
    assert not set(pick_titles(model, 6, exclude={100, 101})) & {100, 101}


def test_scores_cover_every_item(model):
    s = ranking.scores(model, fold_in(model, [115], [5.0]))
    assert s.shape == (len(model.item_ids),)
    b = model.item_index(np.array(sorted(B_ITEMS - {115})))
    a = model.item_index(np.array(sorted(A_ITEMS)))
    assert s[b].mean() > s[a].mean()
