"""Joining the TV tables: by id, by name and year, and what is reported when no join is sure."""
from __future__ import annotations

from pathlib import Path

from commands.importers import detect
from commands.importers.service import ImportOptions, read_sources
from commands.importers.tv import join_shows, show_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog" / "tv"


def joined(all_shows: bool = False, known: dict | None = None):
    bundle = read_sources(detect(FIXTURES), ImportOptions())
    return join_shows(bundle, known or {}, all_shows), bundle.notes


def test_show_ids_are_the_imdb_numbers():
    assert show_id("tt0944947") == 944947


def test_tvmaze_api_shows_join_imdb_by_id():
    shows, _ = joined()
    got = shows[944947]
    assert (got["title"], got["tvmaze_id"], got["network"], got["year"]) == ("Game of Thrones", 82, "HBO", 2011)
    assert got["imdb_rating"] == 9.2 and got["imdb_votes"] == 2_000_000


def test_the_table_joins_by_name_and_settles_namesakes_by_season_count():
    shows, notes = joined()
    assert shows[386676]["network"] == "NBC" and shows[386676]["year"] == 2005  # the US Office: 9 seasons
    assert shows[290978]["network"] == "BBC Two" and shows[290978]["end_year"] == 2003  # the UK one: 2
    assert shows[303461]["genres"] == ("Drama", "Adventure", "Science-Fiction")  # Firefly: 300k votes vs 1.8k
    assert 7172080 not in shows


def test_what_did_not_join_is_reported_never_guessed():
    shows, notes = joined()
    assert not {1111111, 2222222} & shows.keys()
    assert any("'Twin Peaks Alike' (1999): not joined: ambiguous (2 IMDb series" in note for note in notes)
    assert any("'Nowhere At All' (2010): not joined: no IMDb series" in note for note in notes)
    assert any("'Horatio Hornblower' has no IMDb id" in note for note in notes)
    assert notes[0].startswith("TVmaze table joins: ")


def test_episodes_keep_imdb_structure_and_only_real_titles():
    shows, _ = joined()
    episodes = {(s, n): (title, airdate) for s, n, title, airdate, *_ in shows[944947]["episodes"]}
    assert episodes[(1, 1)] == ("Winter is Coming", "2011-04-17")
    assert episodes[(2, 3)] == (None, None)  # IMDb has it, TVmaze's file does not: no invented title
    assert all(title is None for _, _, title, *_ in shows[903747]["episodes"])


def test_imdb_only_series_are_listed_only_when_asked():
    shows, _ = joined()
    assert 185906 in shows  # Band of Brothers: joined to the table by name
    assert 1111111 not in joined()[0] and 1111111 in joined(all_shows=True)[0]


def test_tvmaze_names_do_not_rename_a_listed_show():
    known = {1475582: {"imdb_id": "tt1475582", "title": "Sherlock (2010)", "episodes": []}}
    shows, _ = joined(known=known)
    assert "title" in shows[1475582]  # IMDb's title from this import
    bundle = read_sources([s for s in detect(FIXTURES) if s.kind.startswith("tvmaze")], ImportOptions())
    alone = join_shows(bundle, known, False)
    assert "title" not in alone[1475582] and alone[1475582]["network"] == "BBC One"


def test_episode_titles_imported_later_keep_the_episodes_listed_before():
    listed = [[1, 1, None, None, 8.9, 100], [1, 2, None, None, 8.6, 90], [3, 9, None, None, 9.9, 5]]
    known = {944947: {"imdb_id": "tt0944947", "title": "Game of Thrones", "episodes": listed}}
    bundle = read_sources([s for s in detect(FIXTURES) if s.kind.startswith("tvmaze")], ImportOptions())
    episodes = join_shows(bundle, known, False)[944947]["episodes"]
    assert episodes[0] == (1, 1, "Winter is Coming", "2011-04-17", 8.9, 100)
    assert (3, 9, None, None, 9.9, 5) in episodes  # not in the TVmaze file, still listed
