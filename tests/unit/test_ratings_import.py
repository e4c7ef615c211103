"""Reading IMDb and Letterboxd exports, matching their rows to the catalog, and what an import
records: files written here in the real formats, with made-up rows (no personal data)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from domain import events as e
from domain.accounts import Account, Stamp, import_ratings
from mybigmovie.ratings_import import BadFile, Row, TitleMatcher, parse, plan
from mybigmovie.ratings_import.plan import BATCH
from projections.title_names import NamedTitle

IMDB_HEADER = ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
               "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"]
LETTERBOXD_HEADER = ["Date", "Name", "Year", "Letterboxd URI", "Rating"]


def imdb_file(rows: list[dict], header=IMDB_HEADER, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"URL": f"https://www.imdb.com/title/{row.get('Const', '')}/", "IMDb Rating": "7.9",
                         "Genres": "Drama, Crime", "Num Votes": "1000", "Title Type": "Movie", **row})
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def letterboxd_file(rows: list[tuple], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LETTERBOXD_HEADER)
    for name, year, rating in rows:
        writer.writerow(["2024-03-01", name, year, f"https://boxd.it/{abs(hash(name)) % 10**6}", rating])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


# --- reading the files --------------------------------------------------------------------------------

def test_an_imdb_export_is_read_with_half_stars_and_title_types():
    data = imdb_file([
        {"Const": "tt0000001", "Your Rating": "7", "Date Rated": "2023-01-05", "Title": "Heat", "Year": "1995"},
        {"Const": "tt0000002", "Your Rating": "10", "Title": "Crime, Punishment, and Quotes \"Too\"", "Year": "2001",
         "Directors": "Someone, Else"},
        {"Const": "tt0000003", "Your Rating": "8", "Title": "A Series", "Title Type": "TV Series", "Year": "2008"},
        {"Const": "tt0000004", "Your Rating": "6", "Title": "Pilot", "Title Type": "TV Episode", "Year": "2008"},
        {"Const": "tt0000005", "Your Rating": "", "Title": "Watch later", "Year": "2010"},
    ], bom=True)
    parsed = parse(data)
    assert parsed.source == "imdb" and parsed.label == "IMDb"
    heat, quoted, series, episode, blank = parsed.rows
    assert (heat.title, heat.year, heat.stars, heat.imdb_id, heat.date, heat.kind, heat.line) == (
        "Heat", 1995, 3.5, "tt0000001", "2023-01-05", "movie", 2)
    assert quoted.title == 'Crime, Punishment, and Quotes "Too"' and quoted.stars == 5.0
    assert (series.kind, episode.kind) == ("show", "episode")
    assert blank.stars is None and blank.problem is None


def test_an_older_imdb_export_without_original_title_and_camel_case_types_reads_the_same():
    header = [h for h in IMDB_HEADER if h != "Original Title"]
    parsed = parse(imdb_file([{"Const": "tt0000003", "Your Rating": "9", "Title": "A Show", "Title Type": "tvSeries",
                               "Year": "2008"},
                              {"Const": "tt0000006", "Your Rating": "3", "Title": "A Mini", "Title Type": "tvMiniSeries"},
                              {"Const": "tt0000007", "Your Rating": "4", "Title": "An Ep", "Title Type": "tvEpisode"}],
                             header=header))
    assert [(r.kind, r.stars) for r in parsed.rows] == [("show", 4.5), ("show", 1.5), ("episode", 2.0)]


def test_a_letterboxd_export_is_read_with_bom_quoted_commas_and_blank_ratings():
    data = letterboxd_file([("Crouching Tiger, Hidden Dragon", "2000", "4.5"), ("No Year", "", "3"),
                            ("Unrated", "1999", ""), ("Amélie", "2001", "5")], bom=True)
    parsed = parse(data)
    assert parsed.source == "letterboxd"
    tiger, no_year, unrated, amelie = parsed.rows
    assert (tiger.title, tiger.year, tiger.stars, tiger.date) == ("Crouching Tiger, Hidden Dragon", 2000, 4.5,
                                                                 "2024-03-01")
    assert no_year.year is None and no_year.stars == 3.0
    assert unrated.stars is None
    assert amelie.title == "Amélie" and amelie.imdb_id is None


def test_a_windows_1252_file_still_reads():
    data = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Amélie,2001,https://boxd.it/1,4\n".encode("cp1252")
    assert parse(data).rows[0].title == "Amélie"


def test_rows_that_cannot_be_used_say_why_and_the_rest_still_read():
    data = letterboxd_file([("Good", "2000", "4"), ("Too many stars", "2000", "7"), ("Third stars", "2000", "3.3"),
                            ("", "2000", "4"), ("Word", "2000", "four")])
    rows = parse(data).rows
    assert rows[0].problem is None
    assert [r.problem is not None for r in rows] == [False, True, True, True, True]
    assert "0.5 to 5" in rows[1].problem and "no film name" == rows[3].problem
    imdb = parse(imdb_file([{"Const": "tt0000001", "Your Rating": "11", "Title": "X"},
                            {"Const": "tt0000002", "Your Rating": "7.5", "Title": "Y"},
                            {"Const": "tt0000003", "Your Rating": "8", "Title": "Z"}])).rows
    assert [r.problem is not None for r in imdb] == [True, True, False]


@pytest.mark.parametrize(("data", "says"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    (b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n", "doesn't look like an IMDb or Letterboxd export"),
    (b"Date,Name,Year,Letterboxd URI\n2024-01-01,Heat,1995,https://boxd.it/1\n",
     "doesn't look like an IMDb or Letterboxd export"),  # watched.csv: no ratings in it
    (b"Date,Name,Year,Letterboxd URI,Rating\n", "no ratings in it"),
    (b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Heat,1995,x,9\n2024-01-01,,1995,x,4\n", "None of the 2 rows"),
    (b"Const,Your Rating,Title\n" + b'tt1,7,"' + b"a" * 200_000 + b'"\n', "not CSV we can read"),
])
def test_a_file_that_is_not_an_export_is_refused_with_a_message(data, says):
    with pytest.raises(BadFile) as refused:
        parse(data)
    assert says in str(refused.value)


def test_columns_in_another_order_and_extra_columns_are_fine():
    data = b"Rating,Year,Name,Date,Rewatch,Tags,Letterboxd URI\n4,1995,Heat,2024-01-01,Yes,,x\n"
    assert [(r.title, r.year, r.stars) for r in parse(data).rows] == [("Heat", 1995, 4.0)]


# --- matching -----------------------------------------------------------------------------------------

CATALOG = [NamedTitle("movie", 1, "The Godfather", 1972, imdb_id="tt0068646"),
           NamedTitle("movie", 2, "Amelie", 2001, ("Le Fabuleux destin d'Amélie Poulain",), "tt0211915"),
           NamedTitle("movie", 3, "Dune", 1984, imdb_id="tt0087182"),
           NamedTitle("movie", 4, "Dune", 2021, imdb_id="tt1160419"),
           NamedTitle("movie", 5, "Hamlet", 1948, imdb_id="tt0040416"),
           NamedTitle("movie", 6, "Hamlet", 1996, imdb_id="tt0116477"),
           NamedTitle("movie", 7, "Star Wars: Episode IV - A New Hope", 1977, imdb_id="tt0076759"),
           NamedTitle("movie", 8, "Spider-Man", 2002, imdb_id="tt0145487"),
           NamedTitle("movie", 9, "The Shawshank Redemption", 1994, imdb_id="tt0111161"),
           NamedTitle("movie", 10, "Seven", 1995, ("Se7en",), "tt0114369"),
           NamedTitle("movie", 11, "Crouching Tiger, Hidden Dragon", 2000, ("Wo hu cang long",), "tt0190332"),
           NamedTitle("movie", 12, "Heat", 1995, imdb_id="tt0113277"),
           NamedTitle("movie", 13, "Heat", 1995, imdb_id="tt0113278"),  # two of one name and year
           NamedTitle("show", 903747, "Breaking Bad", 2008, imdb_id="tt0903747"),
           NamedTitle("show", 944947, "Game of Thrones", 2011, imdb_id="tt0944947")]


@pytest.fixture(scope="module")
def matcher() -> TitleMatcher:
    return TitleMatcher(CATALOG)


def row(title: str, year: int | None = None, stars: float | None = 4.0, **fields) -> Row:
    return Row(2, title, year, stars, **fields)


@pytest.mark.parametrize(("title", "year", "expected", "how"), [
    ("The Godfather", 1972, 1, "name and year"),
    ("Godfather, The", 1972, 1, "name and year"),
    ("THE GODFATHER", None, 1, "the only title of that name"),
    ("Godfather", 1972, 1, "other spelling"),  # no article
    ("Amélie", 2001, 2, "name and year"),  # accents folded
    ("Le Fabuleux Destin d'Amelie Poulain", 2001, 2, "name and year"),  # another title (AKA)
    ("Amelie", 2002, 2, "year ±1"),  # release years differ between sources
    ("Star Wars", 1977, 7, "other spelling"),  # before the colon
    ("Spiderman", 2002, 8, "other spelling"),  # words run together
    ("The Shawshank Redemtpion", 1994, 9, "close spelling"),  # a typo
    ("Shawshank Redmption", 1995, 9, "close spelling"),  # a typo, no article, year off by one
    ("Se7en", 1995, 10, "name and year"),
    ("Crouching Tiger Hidden Dragon", 2000, 11, "name and year"),  # punctuation dropped
])
def test_a_title_is_found_by_name_and_year_despite_noise(matcher, title, year, expected, how):
    found = matcher.match(row(title, year))
    assert found.status == "matched" and found.title.id == expected, found
    assert how in found.how


def test_remakes_are_told_apart_by_year_and_another_year_is_not_a_match(matcher):
    assert matcher.match(row("Dune", 1984)).title.id == 3
    assert matcher.match(row("Dune", 2021)).title.id == 4
    far = matcher.match(row("Dune", 2000))
    assert far.status == "missing" and {c.id for c in far.candidates} == {3, 4}  # offered, not chosen


def test_a_name_several_titles_share_is_ambiguous_without_a_year_or_with_the_same_year(matcher):
    hamlet = matcher.match(row("Hamlet"))
    assert hamlet.status == "ambiguous" and [c.id for c in hamlet.candidates] == [5, 6]
    assert "no year" in hamlet.why
    heat = matcher.match(row("Heat", 1995))
    assert heat.status == "ambiguous" and {c.id for c in heat.candidates} == {12, 13}
    assert matcher.match(row("Hamlet", 1996)).title.id == 6


def test_an_imdb_row_matches_by_its_id_first(matcher):
    found = matcher.match(row("Der Pate", 1971, imdb_id="tt0068646"))  # another language, another year
    assert found.status == "matched" and found.title.id == 1 and found.how == "IMDb id"
    assert matcher.match(row("Heat", 1995, imdb_id="tt0113278")).title.id == 13  # the id settles a shared name


def test_an_imdb_row_with_an_unknown_id_is_not_matched_to_another_id_of_the_same_name(matcher):
    found = matcher.match(row("The Godfather", 1972, imdb_id="tt9999999"))
    assert found.status == "missing" and [c.id for c in found.candidates] == [1]


def test_shows_match_by_imdb_id_or_name_and_episodes_and_games_are_skipped(matcher):
    assert matcher.match(row("Breaking Bad", 2008, imdb_id="tt0903747", kind="show")).title.choice == "show:903747"
    assert matcher.match(row("Game of Thrones", 2011, kind="show")).title.id == 944947
    assert matcher.match(row("Breaking Bad", 2008, kind="movie")).status == "missing"  # a film of that name: no
    assert matcher.match(row("Breaking Bad", None, kind="any")).title.kind == "show"
    episode = matcher.match(row("Pilot", 2008, imdb_id="tt0959621", kind="episode"))
    assert episode.status == "skipped" and "episode" in episode.why
    assert matcher.match(row("Some Game", 2010, kind="other", type_label="Video Game")).status == "skipped"


def test_unusable_rows_are_skipped_with_their_reason(matcher):
    assert matcher.match(row("Heat", 1995, stars=None)).why == "no rating in the file"
    bad = matcher.match(Row(7, "Heat", 1995, None, problem="the rating '11' is not a whole number from 1 to 10"))
    assert bad.status == "skipped" and "11" in bad.why


def test_a_title_not_in_the_catalog_is_missing_with_near_names(matcher):
    found = matcher.match(row("The Godfather Part II", 1974))
    assert found.status == "missing" and "no movie of this name from 1974" in found.why
    assert [c.id for c in found.candidates][:1] == [1]
    assert matcher.match(row("Qwzx Vbnm", 2003)).candidates == ()


# --- what an import records -----------------------------------------------------------------------------

def test_the_plan_adds_new_ratings_keeps_the_sites_and_counts_the_newest_duplicate(matcher):
    data = letterboxd_file([("The Godfather", "1972", "4.5"), ("Amelie", "2001", "3"), ("Dune", "2021", "2"),
                            ("Hamlet", "", "4"), ("Nothing Like It", "1990", "3")])
    parsed = parse(data)
    # a rewatch of The Godfather, dated later, in the same file
    parsed.rows.append(Row(7, "The Godfather", 1972, 5.0, date="2025-01-01"))
    matches = [matcher.match(r) for r in parsed.rows]
    decided = plan("u1", parsed, matches, movie_ratings={2: 3.0, 4: 4.0}, show_ratings={})
    statuses = [o.status for o in decided.outcomes]
    assert statuses == ["duplicate", "same", "kept", "ambiguous", "missing", "added"]
    kept = decided.outcomes[2]
    assert kept.previous == 4.0 and kept.stars == 2.0 and "site's rating stays" in kept.why
    assert "line 7" in decided.outcomes[0].why
    [command] = decided.commands
    assert command.ratings == (("movie", 1, 5.0),) and command.user_id == "u1" and command.source == "letterboxd"
    again = plan("u1", parsed, matches, movie_ratings={2: 3.0, 4: 4.0}, show_ratings={})
    assert again.commands[0].command_id == command.command_id  # the same upload: the same command
    other = plan("u2", parsed, matches, movie_ratings={2: 3.0, 4: 4.0}, show_ratings={})
    assert other.commands[0].command_id != command.command_id


def test_many_ratings_go_in_batches():
    titles = [NamedTitle("movie", i, f"Film number {i}", 2000) for i in range(1, 1202)]
    matcher = TitleMatcher(titles)
    parsed = parse(letterboxd_file([(t.title, "2000", "3.5") for t in titles]))
    decided = plan("u1", parsed, [matcher.match(r) for r in parsed.rows], {}, {})
    assert [len(c.ratings) for c in decided.commands] == [BATCH, BATCH, 1201 - 2 * BATCH]
    assert len({c.command_id for c in decided.commands}) == 3


def test_an_import_rates_only_what_the_account_has_not_rated_and_numbers_the_events():
    account = Account("u1", signed_up=True, verified=True, ratings={1: 2.0}, not_seen={3}, show_ratings={7})
    stamp = Stamp("user-u1", "import-1", datetime(2026, 1, 1, tzinfo=timezone.utc))
    exist = {"movie": frozenset({1, 2, 3}), "show": frozenset({7, 8})}
    events = import_ratings(account, stamp, (("movie", 1, 4.0), ("movie", 2, 4.5), ("movie", 3, 3.0),
                                             ("movie", 2, 1.0), ("show", 7, 5.0), ("show", 8, 2.5),
                                             ("movie", 99, 4.0)), exist)  # 99: gone from the catalog since
    assert [type(ev) for ev in events] == [e.MovieRated, e.NotSeenUnmarked, e.MovieRated, e.ShowRated]
    assert [(getattr(ev, "movie_id", None) or ev.show_id, getattr(ev, "rating", None)) for ev in events] == [
        (2, 4.5), (3, None), (3, 3.0), (8, 2.5)]
    assert [ev.event_id for ev in events] == [stamp.event_id(i) for i in range(4)]
    assert account.ratings == {1: 2.0} and account.not_seen == {3}  # decided on a copy
    assert import_ratings(account, stamp, (), exist) == []
