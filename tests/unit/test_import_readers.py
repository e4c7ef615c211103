"""Each shipped format read from small fixtures; malformed rows reported with file and line."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from commands.importers import detect
from commands.importers.records import Bundle
from commands.importers.rows import Problems, SourceError
from commands.importers.service import ImportOptions, read_sources
from commands.importers.text import name_key, parse_movielens_title

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


def read(path: Path, strict: bool = False) -> Bundle:
    return read_sources(detect(path), ImportOptions(strict=strict))


@pytest.mark.parametrize("raw, expected", [
    ("Godfather, The (1972)", ("The Godfather", (), 1972)),
    ("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
     ("Amelie", ("Le Fabuleux destin d'Amélie Poulain",), 2001)),
    ("Seven (a.k.a. Se7en) (1995)", ("Seven", ("Se7en",), 1995)),
    ("Death Note: Desu nôto (2006–2007)", ("Death Note: Desu nôto", (), 2006)),
    ("Millions Game, The (Das Millionenspiel)", ("The Millions Game", ("Das Millionenspiel",), None)),
    ("(500) Days of Summer (2009)", ("(500) Days of Summer", (), 2009)),
])
def test_movielens_titles_read_as_people_write_them(raw, expected):
    assert parse_movielens_title(raw) == expected


def test_names_join_without_case_accents_or_punctuation():
    assert name_key("Amélie") == name_key("AMELIE") == "amelie"
    assert name_key("Marvel's Agents of S.H.I.E.L.D.") == "marvel s agents of s h i e l d"


def test_detects_every_fixture_format():
    ignored: list[Path] = []
    kinds = sorted(source.kind for source in detect(FIXTURES, ignored))
    assert kinds == ["imdb-episodes", "ml-100k", "ml-1m", "movielens-csv", "movielens-csv", "movielens-extras",
                     "tmdb", "tvmaze-api", "tvmaze-episodes", "tvmaze-table"]
    assert ignored == []  # READMEs are documentation, not unknown formats
    names = {source.name for source in detect(FIXTURES)}
    assert {"ml-latest", "ml-latest-small"} <= names  # named by their README, not their folder


def test_movielens_csv_release():
    bundle = read(FIXTURES / "ml-latest-small")
    assert bundle.movies[858] == {"title": "The Godfather", "aka": (), "year": 1972, "genres": ("Crime", "Drama"),
                                  "imdb_id": "tt0068646", "tmdb_id": 238, "source": "ml-latest-small"}
    [ratings] = bundle.histories
    assert (ratings.source, len(ratings)) == ("ml-latest-small", 182)
    assert ratings.half_stars.min() >= 1 and ratings.half_stars.max() <= 10
    assert bundle.problems.total == 0


def test_a_malformed_row_is_reported_with_file_and_line_and_skipped():
    bundle = read(FIXTURES / "ml-latest")
    [problem] = bundle.problems.found
    assert problem.file.endswith("ml-latest/movies.csv") and problem.line == 21 and "empty title" in problem.message
    assert 210479 not in bundle.movies and 288983 in bundle.movies


def test_strict_rejects_the_whole_file():
    with pytest.raises(SourceError, match=r"movies.csv:21: empty title"):
        read(FIXTURES / "ml-latest", strict=True)


def test_ml100k_keeps_its_own_ids_for_matching_later():
    bundle = read(FIXTURES / "ml-100k")
    [local] = bundle.local_movies
    assert local.titles[3] == ("The Godfather", (), 1972)
    assert bundle.histories[0].source == "ml-100k" and len(bundle.histories[0]) == 20


def test_ml1m_dat_files():
    bundle = read(FIXTURES / "ml-1m")
    assert bundle.movies[3952]["title"] == "The Contender"
    assert bundle.movies[1]["genres"] == ("Animation", "Children's", "Comedy")
    assert len(bundle.histories[0]) == 21


def test_extras_and_tmdb():
    bundle = read(FIXTURES / "ml-latest-extras")
    assert bundle.details[2571]["directors"] == ("Lana Wachowski", "Lilly Wachowski")
    assert bundle.details[858]["runtime"] == 175
    assert bundle.details[1]["reference"] == {"count": 76813, "mean": 3.89, "source": "ml-latest-2023"}
    assert bundle.references_complete
    tmdb = read(FIXTURES / "tmdb-5000").tmdb
    assert tmdb[194]["overview"].startswith("A fixture overview: a shy waitress")


def test_tv_tables():
    bundle = read(FIXTURES / "tv")
    assert bundle.tv["imdb"]["tt0944947"]["title"] == "Game of Thrones"
    assert len(bundle.tv["imdb_episodes"]["tt0386676"]) == 9
    office = [row for row in bundle.tv["tvmaze_table"] if row["network"] == "NBC" and row["title"] == "The Office"][0]
    assert (office["year"], office["end_year"], office["seasons"]) == (2005, 2013, 9)  # swapped date columns
    got = bundle.tv["tvmaze_episodes"]["game of thrones"]
    assert got[(1, 1)] == {"title": "Winter is Coming", "airdate": "2011-04-17"}


def test_gzipped_files_read_like_plain_ones(tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    for name in ("movies.csv", "ratings.csv"):
        plain = tmp_path / "small" / name
        plain.with_name(name + ".gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    bundle = read(tmp_path / "small")
    assert len(bundle.movies) == 16 and len(bundle.histories[0]) == 182


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_text("movieId,name\n1,Toy Story\n"), "missing column"),
    (lambda p: p.write_bytes(b"movieId,title,genres\n1,Caf\xe9 (1999),Drama\n"), "unreadable"),
])
def test_a_broken_file_fails_as_a_whole(tmp_path, damage, message):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    damage(tmp_path / "small" / "movies.csv")
    with pytest.raises(SourceError, match=message):
        read(tmp_path / "small")


def test_a_truncated_gzip_fails_as_a_whole(tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    ratings = tmp_path / "small" / "ratings.csv"
    (tmp_path / "small" / "ratings.csv.gz").write_bytes(gzip.compress(ratings.read_bytes())[:400])
    ratings.unlink()
    with pytest.raises(SourceError, match="ratings.csv.gz: unreadable"):
        read(tmp_path / "small")


def test_bad_ratings_are_skipped_and_counted(tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    with open(tmp_path / "small" / "ratings.csv", "a") as stream:
        stream.write("1,1,4.25,964982703\n1,x,4,964982703\n2,1\n")
    problems = read(tmp_path / "small").problems
    assert problems.total == 3
    assert [p.line for p in problems.found] == [184, 185, 186]
    assert "half steps" in problems.found[0].message


def test_problems_keep_exact_counts_but_a_bounded_list():
    problems = Problems()
    for line in range(1500):
        problems.add(Path("f.csv"), line, "bad")
    assert problems.total == 1500 and len(problems.found) == 1000
    assert np.all(np.diff([p.line for p in problems.found]) == 1)


def test_a_rating_given_twice_counts_once_at_its_last_value(tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    with open(tmp_path / "small" / "ratings.csv", "a") as stream:
        stream.write("1,1,0.5,964982703\n")  # user 1 rated Toy Story 4.0 earlier in the file
    [ratings] = read(tmp_path / "small").histories
    assert len(ratings) == 182
    toy_story = (ratings.users == 1) & (ratings.movies == 1)
    assert ratings.half_stars[toy_story].tolist() == [1]


def test_a_ratings_file_with_other_columns_is_refused(tmp_path):
    shutil.copytree(FIXTURES / "ml-latest-small", tmp_path / "small")
    ratings = tmp_path / "small" / "ratings.csv"
    ratings.write_text("user,item,stars,when\n" + "".join(ratings.read_text().splitlines(True)[1:]))
    with pytest.raises(SourceError, match="ratings.csv:1: expected the columns userId,movieId,rating,timestamp"):
        read(tmp_path / "small")
