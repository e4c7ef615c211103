"""Metrics against hand-computed answers."""
import math

import pytest

from recommender import evaluation as ev


def test_rmse_and_mae():
    assert ev.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert ev.mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)


def test_ndcg_known_values():
    assert ev.ndcg_at_k([1, 2, 3], {1, 2, 3}, 3) == pytest.approx(1.0)
    # one hit at rank 2 of two relevant: (1/log2(3)) / (1 + 1/log2(3))
    assert ev.ndcg_at_k([9, 1, 8], {1, 2}, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ev.ndcg_at_k([7, 8], {1}, 2) == 0.0


def test_precision_recall_and_map():
    ranked, relevant = [1, 5, 2, 6], {1, 2, 3, 4}
    assert ev.precision_at_k(ranked, relevant, 4) == pytest.approx(0.5)
    assert ev.recall_at_k(ranked, relevant, 4) == pytest.approx(0.5)
    assert ev.map_at_k(ranked, relevant, 4) == pytest.approx((1 + 2 / 3) / 4)
    assert ev.precision_at_k([1], {1}, 10) == pytest.approx(0.1)  # short lists count as misses


def test_ranking_report_averages_over_users_with_relevant_items():
    report = ev.ranking_report({"a": [1, 2], "b": [3]}, {"a": {1}, "b": {4}, "c": set()}, k=2)
    assert report["ndcg"] == pytest.approx(0.5) and report["recall"] == pytest.approx(0.5)
