"""``Recommender.order``: a partial sort that must give exactly the full sort's first titles."""
from __future__ import annotations

import numpy as np
import pytest

from mybigmovie.recommendations import Recommender
from recommender import artifact, ranking
from recommender.foldin import fold_in
from recommender.model import fit
from recommender.settings import PRESETS
from recommender.toy import two_tastes


@pytest.fixture(scope="module")
def recommender(tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    artifact.save(fit(two_tastes(n_users=40, n_items=30), PRESETS["fast"]), directory)
    found = Recommender(directory)
    found.wait_for_swap()
    assert found.available
    return found


def reference(model, taste, pool, hidden):
    """The member's order by a full stable sort: known titles best first (pool order breaks ties),
    then the unknown ones in pool order; hidden positions left out."""
    scores = ranking.scores(model, fold_in(model, list(taste), list(taste.values())))
    index = model.item_index(np.asarray(pool))
    known = [p for p in range(len(pool)) if index[p] >= 0 and not hidden[p]]
    unknown = [p for p in range(len(pool)) if index[p] < 0 and not hidden[p]]
    return sorted(known, key=lambda p: -float(scores[index[p]])) + unknown


@pytest.mark.parametrize("seed", range(8))
def test_the_first_titles_are_the_full_sorts(recommender, seed):
    rng = np.random.default_rng(seed)
    model = recommender.model()
    items = model.item_ids.tolist()
    pool = list(rng.permutation(items + [9_000 + i for i in range(10)]))  # ten titles the model never saw
    pool += pool[:3]  # and a title twice: ties, which the pool's order breaks
    taste = {int(i): float(rng.choice([1.0, 3.0, 5.0])) for i in rng.choice(items, size=4, replace=False)}
    hidden = rng.random(len(pool)) < 0.2
    expected = reference(model, taste, pool, hidden)
    for stop in (1, 5, 17, len(expected) - 3, len(expected), len(expected) + 5):
        got = recommender.order(taste, ("pool", seed), lambda: pool, stop, hidden)
        assert got.tolist() == expected[:stop], stop


@pytest.mark.parametrize("seed", range(4))
def test_top_is_the_best_of_the_kind_leaving_out_what_was_rated_or_excluded(recommender, seed):
    rng = np.random.default_rng(seed)
    model = recommender.model()
    items = model.item_ids.tolist()
    taste = {int(i): float(rng.choice([1.0, 5.0])) for i in rng.choice(items, size=3, replace=False)}
    exclude = {int(i) for i in rng.choice(items, size=4, replace=False)} | {123_456}  # one the model never saw
    scores = ranking.scores(model, fold_in(model, list(taste), list(taste.values())))
    expected = sorted((i for i in items if i not in taste and i not in exclude),
                      key=lambda i: -float(scores[model.item_index([i])[0]]))[:7]
    assert recommender.top(taste, 7, exclude) == expected
    assert recommender.top(taste, 7, exclude) == expected  # kept, and the same
    assert recommender.top(taste, 7, exclude, shows=True) == []  # the toy model has no shows
