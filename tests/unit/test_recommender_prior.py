"""Titles without ratings: damped catalog means, content, and a sensible place in the list."""
import numpy as np

from recommender import prior, ranking
from recommender.catalog import with_catalog_items
from recommender.foldin import fold_in
from recommender.model import fit
from recommender.settings import FAST
from recommender.toy import two_tastes


def test_damped_mean_pulls_small_counts_to_the_prior():
    out = prior.damped_mean([0, 10, 1000], [5.0, 5.0, 5.0], 3.0, damping=10)
    np.testing.assert_allclose(out, [3.0, 4.0, 3.0 + 2 * 1000 / 1010])


def test_content_features_one_hot_genres_decades_and_repeat_directors():
    x, vocab = prior.content_features([["Drama"], ["Drama", "Comedy"]], [1994, 2001], [["Nolan"], ["Solo"]])
    assert "d:Solo" not in vocab and "y:1990" in vocab and "g:Comedy" in vocab
    assert x.shape == (2, len(vocab) + 1) and x[:, -1].toarray().ravel().tolist() == [1, 1]


def catalog():
    """Items 100-119 trained (A: genre 'a', B: genre 'b'); 500-503 new: two 'a', two 'b'."""
    ids = list(range(100, 120)) + [500, 501, 502, 503]
    genres = [["a"]] * 10 + [["b"]] * 10 + [["a"], ["a"], ["b"], ["b"]]
    x, _ = prior.content_features(genres, [2000] * len(ids), [[]] * len(ids))
    counts = np.r_[np.full(20, 500.0), [200.0, 0.0, 200.0, 0.0]]
    means = np.r_[np.full(20, 3.5), [4.5, np.nan, 2.0, np.nan]]
    return ids, x, counts, means


def test_new_titles_get_taste_aware_scores_in_the_middle_of_the_list():
    model = with_catalog_items(fit(two_tastes(), FAST.with_(rating_weight=0.2)), *catalog())
    assert len(model.item_ids) == 24
    state = fold_in(model, [100, 101, 102], [5.0, 5.0, 5.0])
    s = ranking.scores(model, state)
    idx = model.item_index(np.array([500, 501, 502, 503]))
    a_new, b_new = s[idx[:2]], s[idx[2:]]
    assert a_new.min() > b_new.max()  # an 'a' fan sees untried 'a' titles above untried 'b'
    trained_a = s[model.item_index(np.arange(103, 110))]
    assert a_new.max() < trained_a.max()  # not dumped on top of the proven favourites


def test_catalog_mean_and_count_shape_the_new_title_bias():
    model = with_catalog_items(fit(two_tastes(), FAST.with_(sweeps=8)), *catalog())
    bias = model.rating.item_bias[model.item_index(np.array([500, 501, 502, 503]))]
    assert bias[0] > bias[1] and bias[2] < bias[3]  # well/badly reviewed vs. content-only estimate
