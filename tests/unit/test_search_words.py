"""What people type, read as title words, genres, languages and years (projections.query_words), and
how search ranks what it understood (projections.search), over a small index in memory."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from projections.query_words import MAX_PARTS, MAX_TEXT, MAX_WORD, MAX_WORDS, query_words, understand
from projections.search import SearchIndex, search


def read(text: str) -> tuple[list[str], list[str]]:
    query = understand(text)
    return [part.label for part in query.parts], list(query.words)


@pytest.mark.parametrize("typed, labels, words", [
    ("comedy", ["Comedy"], []),
    ("horror 1980s", ["Horror", "1980s"], []),
    ("sci-fi 2014", ["Science fiction", "2014"], []),
    ("french", ["French"], []),
    ("90s thriller", ["1990s", "Thriller"], []),
    ("star wars 1977", ["1977"], ["star", "wars"]),  # "wars" is no genre
    ("romantic comedy", ["Romance", "Comedy"], []),
    ("Comedies COMEDY", ["Comedy"], []),  # one meaning, said twice
    ("the godfather", [], ["the", "godfather"]),
    ("british", [], ["british"]),  # no title carries a country: a title word
])
def test_the_examples_of_the_issue(typed, labels, words):
    assert read(typed) == (labels, words)


@pytest.mark.parametrize("typed, label", [
    ("scifi", "Science fiction"), ("sci fi", "Science fiction"), ("Science Fiction", "Science fiction"),
    ("SCI-FI", "Science fiction"), ("thrillers", "Thriller"), ("kids", "Family"), ("children", "Family"),
    ("family", "Family"), ("animated", "Animation"), ("animation", "Animation"), ("documentaries", "Documentary"),
    ("doc", "Documentary"), ("westerns", "Western"), ("musicals", "Musical"), ("noir", "Film noir"),
    ("film noir", "Film noir"), ("Film-Noir", "Film noir"), ("dramas", "Drama"), ("war", "War"),
    ("mystery", "Mystery"), ("fantasy", "Fantasy"), ("adventure", "Adventure"), ("action", "Action"),
    ("crime", "Crime"), ("horror", "Horror"), ("romance", "Romance"),
    ("japanese", "Japanese"), ("korean", "Korean"), ("german", "German"), ("italian", "Italian"),
    ("spanish", "Spanish"), ("indian", "Hindi"), ("bollywood", "Hindi"),
])
def test_synonyms_plurals_and_spellings_name_one_genre_or_language(typed, label):
    assert read(typed) == ([label], [])


@pytest.mark.parametrize("typed, years, label", [
    ("2014", (2014, 2014), "2014"), ("1980s", (1980, 1989), "1980s"), ("80s", (1980, 1989), "1980s"),
    ("'80s", (1980, 1989), "1980s"), ("90's", (1990, 1999), "1990s"), ("90\u2019s", (1990, 1999), "1990s"),
    ("the 70s", (1970, 1979), "1970s"), ("the 1970s", (1970, 1979), "1970s"), ("00s", (2000, 2009), "2000s"),
    ("20s", (1920, 1929), "1920s"), ("2020s", (2020, 2029), "2020s"),
    ("1990-1995", (1990, 1995), "1990\u20131995"), ("1990 \u2013 1995", (1990, 1995), "1990\u20131995"),
    ("1995-1990", (1990, 1995), "1990\u20131995"),
])
def test_years_decades_and_ranges(typed, years, label):
    [part] = understand(typed).parts
    assert (part.kind, part.years, part.label) == ("years", years, label)
    assert understand(typed).words == ()  # "the" went with its decade


@pytest.mark.parametrize("junk, words", [
    ("1", ["1"]), ("19999", ["19999"]), ("s", ["s"]), ("80", ["80"]), ("-", []), ("0s", ["0s"]),
    ("1799", ["1799"]), ("2100", ["2100"]), ("日本", []), ("Amélie", ["amelie"]), ("19999-20000", ["19999", "20000"]),
])
def test_junk_is_title_words_or_nothing(junk, words):
    assert read(junk) == ([], words)


def test_ten_kilobytes_of_text_are_read_within_the_bounds():
    query = understand("horror comedy 1980s french western war noir " * 1500)
    assert len(query.parts) == MAX_PARTS and len(query.words) == 0
    assert len(understand("z" * 10_000).words[0]) == MAX_WORD


@given(st.text(max_size=3000))
def test_any_text_is_bounded(text):
    query = understand(text)
    assert len(query.parts) <= MAX_PARTS and len(query.words) + len(query.parts) <= MAX_WORDS
    assert sum(map(len, query.words)) <= MAX_TEXT and len(set(query.words)) == len(query.words)


@pytest.mark.parametrize("typed, without", [
    ("horror 1980s", ["1980s", "horror"]),
    ("Amélie the 80's", ["Amélie"]),  # the rest keeps what was typed, accents and all
    ("horror/1980s", ["1980s", "horror"]),  # one piece saying two things loses one of them
    ("comedy", [""]),
])
def test_each_part_has_a_search_without_it(typed, without):
    query = understand(typed)
    assert [query.without(i) for i in range(len(query.parts))] == without


def test_the_last_word_typed_may_be_unfinished_whatever_it_means():
    assert understand("star wa").unfinished == "wa"
    assert understand("star war").unfinished == "war"  # a genre word, and the start of "wars"
    assert understand("star w").words == ("star",)  # one letter narrows nothing yet


# Search over a handful of titles: what the rules in search.search say, one by one.
TITLES = [("movie", 1, "Saving Private Ryan", 1998, ["Action", "Drama", "War"], 900),
          ("movie", 2, "War of the Worlds", 2005, ["Action", "Sci-Fi"], 500),
          ("movie", 3, "The Family Stone", 2005, ["Comedy", "Drama"], 50),
          ("movie", 4, "Guy Next Door", 1999, ["Children"], 800),
          ("movie", 5, "1917", 2019, ["Drama", "War"], 100),
          ("movie", 6, "The Immigrant", 1917, ["Comedy"], 5),
          ("movie", 7, "The Shining", 1980, ["Horror"], 700),
          ("movie", 8, "Scream", 1996, ["Horror"], 600),
          ("movie", 9, "French Kiss", 1995, ["Comedy", "Romance"], 300),
          ("movie", 10, "Star Wars", 1977, ["Action", "Sci-Fi"], 1000),
          ("show", 1, "Engrenages", 2005, ["Crime"], 10),
          ("show", 2, "Family Guy", 1999, ["Comedy"], 90),
          ("show", 3, "Battlestar Galactica", 2004, ["Science-Fiction", "War"], 80)]
LANGUAGE = {("show", 1): "French", ("show", 2): "English", ("show", 3): "English"}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    index = SearchIndex()
    for kind, id_, title, year, genres, popularity in TITLES:
        index.put(kind, {"_id": id_, "listed": True, "title": title, "year": year, "genres": genres,
                         "popularity": popularity, "language": LANGUAGE.get((kind, id_))})
    return index


def found(index: SearchIndex, text: str, kind: str | None = None) -> list[str]:
    return [hit.title for hit in search(index, text, kind=kind).hits]


def test_a_genre_alone_lists_that_genre_first_then_titles_with_the_word(index):
    # War films by popularity, then "War" in a title; not "Star Wars": browsing, the word is taken as typed
    assert found(index, "war", "movie") == ["Saving Private Ryan", "1917", "War of the Worlds"]
    assert found(index, "sci-fi") == ["Star Wars", "War of the Worlds", "Battlestar Galactica"]  # both vocabularies


def test_with_other_title_words_a_typed_title_comes_before_the_genre(index):
    # "Guy Next Door" is a Family (Children) film and more popular, but Family Guy has both words
    assert found(index, "family guy") == ["Family Guy", "Guy Next Door"]
    assert found(index, "war of the worlds")[0] == "War of the Worlds"
    assert found(index, "star wars") == ["Star Wars"]  # "wars" is no genre
    assert found(index, "star war") == ["Star Wars"]  # typing on: with a title word, "war" may be unfinished


def test_a_number_is_a_title_before_a_year(index):
    assert found(index, "1917") == ["1917", "The Immigrant"]
    assert found(index, "star wars 1977") == ["Star Wars"] and found(index, "star wars 1980") == []


def test_genres_and_years_all_apply_but_periods_are_alternatives(index):
    assert found(index, "horror 1980s") == ["The Shining"]
    assert found(index, "horror 80s 90s") == ["The Shining", "Scream"]
    assert found(index, "war drama 1990-1999") == ["Saving Private Ryan"]


def test_a_language_finds_shows_by_language_and_movies_only_by_title(index):
    assert found(index, "french", "show") == ["Engrenages"]
    assert found(index, "french", "movie") == ["French Kiss"]  # movies carry no language


def test_plain_title_queries_are_unchanged(index):
    assert found(index, "savng privat") == ["Saving Private Ryan"]  # a typo, an unfinished word
    assert found(index, "the") == ["The Shining", "War of the Worlds", "The Family Stone", "The Immigrant"]
    assert found(index, "zzz") == [] and found(index, "-") == []


@given(st.text(max_size=300))
def test_a_text_with_nothing_understood_searches_the_same_title_words_as_before(text):
    query, before = understand(text), query_words(text)
    if not query.parts:
        expected = before[:-1] if len(before) > 1 and len(before[-1]) == 1 else before
        assert list(query.words) == expected
        assert query.unfinished == (expected[-1] if expected else None)


def test_a_crowd_of_one_genre_comes_in_the_popular_order_as_popularity_changes():
    # given more Drama titles than are ordered one by one (search walks its popular order instead)
    index = SearchIndex()
    for i in range(3000):
        index.put("movie", {"_id": i, "listed": True, "title": f"Title {i % 7}", "year": 1990 + i % 30,
                            "genres": ["Drama"], "popularity": (i * 7919) % 1000})
    index.put("movie", {"_id": 9999, "listed": True, "title": "A Drama", "genres": ["Comedy"], "popularity": 5})

    def brute(text: str) -> list[int]:  # score (a genre over a title word), then popularity, title, id
        hits = [h for h in index.titles.values() if "drama" in h.genre_keys or "drama" in h.words]
        return [h.id for h in sorted(hits, key=lambda h: ("drama" not in h.genre_keys, -h.popularity, h.title, h.id))]

    # then each page is what ordering them all would give
    assert [h.id for h in search(index, "drama", per_page=3001).hits] == brute("drama")
    assert [h.id for h in search(index, "drama", page=7, per_page=25).hits] == brute("drama")[150:175]
    # and when one becomes the most popular, or stops being listed, the order follows
    index.put("movie", {"_id": 42, "listed": True, "title": "Title 0", "genres": ["Drama"], "popularity": 10**6})
    index.put("movie", {"_id": brute("drama")[1], "listed": False, "title": "Gone"})
    assert [h.id for h in search(index, "drama", per_page=40).hits] == brute("drama")[:40]
    assert brute("drama")[0] == 42
