"""Shows are items: ids, and episode ratings rolled up into show ratings."""
import numpy as np

from recommender import tv
from recommender.foldin import fold_in
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender import ranking
from recommender.settings import FAST
from recommender.toy import two_tastes


def test_show_ids_are_far_from_movie_ids():
    sid = tv.show_item_id("tt0903747")
    assert sid == 1_000_903_747 and tv.is_show([sid, 1234]).tolist() == [True, False]


def test_episode_ratings_roll_up_and_direct_show_ratings_win():
    show = tv.show_item_id("tt1")
    users, items, ratings = tv.show_ratings(
        show_users=[1], show_items=[show], show_values=[2.0],
        episode_users=[1, 1, 2, 2, 2, 3], episode_items=[show] * 6,
        episode_values=[5, 5, 4, 4, 4, 1], damping=2.0)
    got = dict(zip(users.tolist(), ratings.tolist()))
    mean = np.mean([5, 5, 4, 4, 4, 1])
    assert got[1] == 2.0
    assert np.isclose(got[2], (12 + 2 * mean) / 5) and np.isclose(got[3], (1 + 2 * mean) / 3)
    assert sorted(items.tolist()) == [show] * 3


def test_shows_are_recommended_alongside_movies():
    base = two_tastes()
    show = tv.show_item_id("tt42")
    fans = np.arange(0, 20)  # the 'A' taste users also love this show
    users = np.r_[base.user_ids[base.users], fans]
    items = np.r_[base.item_ids[base.items], np.full(len(fans), show)]
    ratings = np.r_[base.ratings, np.full(len(fans), 5.0)]
    model = fit(RatingsMatrix.from_triples(users, items, ratings), FAST.with_(rating_weight=0.2))
    top = [i for i, _ in ranking.recommend(model, fold_in(model, [100, 101], [5, 5]), k=4)]
    assert show in top


def test_show_ratings_keep_string_user_ids_and_integer_item_ids_apart():
    from recommender.tv import show_item_id, show_ratings

    show = show_item_id("tt0903747")
    users, items, ratings = show_ratings(["ann"], [show], [5.0], ["bob", "bob"], [show, show], [4.0, 2.0])
    assert users.tolist() == ["ann", "bob"]
    assert items.dtype.kind == "i" and items.tolist() == [show, show]
    assert ratings[0] == 5.0 and 2.0 < ratings[1] < 4.0
