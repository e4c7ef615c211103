"""A search query is bounded after folding: at most MAX_WORDS words of MAX_WORD letters, MAX_TEXT in all."""
from __future__ import annotations

from hypothesis import given, strategies as st

from projections.search import MAX_TEXT, MAX_WORD, MAX_WORDS, query_words


def test_a_long_text_keeps_only_its_first_words():
    assert query_words(" ".join(f"word{i}" for i in range(50))) == [f"word{i}" for i in range(MAX_WORDS)]


def test_a_long_word_is_cut():
    assert query_words("x" * 10_000) == ["x" * MAX_WORD]


def test_a_repeated_word_counts_once_and_the_unfinished_word_stays_last():
    assert query_words("star wars star wa") == ["wars", "star", "wa"]


def test_text_that_folding_lengthens_is_bounded_after_folding():
    # one ligature folds to three letters: 5,000 of them are 15,000 letters before the cut
    assert sum(map(len, query_words("\ufb03" * 5000))) <= MAX_TEXT


@given(st.text(max_size=3000))
def test_any_text_is_bounded(text):
    found = query_words(text)
    assert len(found) <= MAX_WORDS and all(len(w) <= MAX_WORD for w in found) and sum(map(len, found)) <= MAX_TEXT
    assert len(set(found)) == len(found)
