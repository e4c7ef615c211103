"""Joining the TV tables: by id, by name and year, and what is reported when no join is sure."""
from __future__ import annotations

from pathlib import Path

from commands.importers import detect
from commands.importers.service import ImportOptions, read_sources
from commands.importers.tv import OWN_IDS, join_shows, own_show_id, show_id

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


def test_an_ambiguous_name_is_reported_never_guessed():
    shows, notes = joined()
    assert not {1111111, 2222222} & shows.keys()
    assert any("'Twin Peaks Alike' (1999): not joined: ambiguous (2 IMDb series" in note for note in notes)
    assert not any(f.get("title") == "Twin Peaks Alike" for f in shows.values())  # nor listed apart
    assert notes[0].startswith("TVmaze table joins: ")


def test_a_show_with_no_imdb_series_of_its_name_is_listed_under_an_own_id():
    shows, notes = joined()
    nowhere = shows[own_show_id("Nowhere At All", 2010)]
    assert (nowhere["title"], nowhere["year"], nowhere["imdb_id"], nowhere["source"]) == \
        ("Nowhere At All", 2010, None, "tvmaze")
    hornblower = shows[own_show_id("Horatio Hornblower", 1998)]  # TVmaze's, without an IMDb id
    assert hornblower["tvmaze_id"] and hornblower["imdb_id"] is None
    assert "1 no IMDb series of that name: listed under an id of the site's own" in notes[0]


def test_own_ids_are_stable_and_never_an_imdb_number():
    assert own_show_id("Nowhere At All", 2010) == own_show_id("NOWHERE at all!", 2010)
    assert own_show_id("Nowhere At All", 2010) != own_show_id("Nowhere At All", 2011)
    assert all(OWN_IDS <= own_show_id(f"show {n}", 2000) < 2 * OWN_IDS for n in range(1000))
    assert show_id("tt99999999") < OWN_IDS


def test_a_show_listed_under_an_own_id_keeps_it_when_a_later_import_names_it_by_imdb_id():
    # given the table's "Nowhere At All" listed on its own, and then an IMDb table that has the series
    number = own_show_id("Nowhere At All", 2010)
    known = {number: {"imdb_id": None, "title": "Nowhere At All", "year": 2010, "episodes": []}}
    bundle = read_sources(detect(FIXTURES), ImportOptions())
    bundle.tv["imdb"]["tt7654321"] = {"title": "Nowhere at All", "imdb_rating": 7.0, "imdb_votes": 1200}
    bundle.tv["imdb_episodes"]["tt7654321"] = {(1, 1): {"imdb_rating": 7.1, "imdb_votes": 40}}
    shows = join_shows(bundle, known, False)
    # then the series joins the show already listed: same id, now with its IMDb id and episodes
    assert 7654321 not in shows
    assert shows[number]["imdb_id"] == "tt7654321" and shows[number]["episodes"][0][:2] == (1, 1)


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


def test_tvmaze_ratings_come_from_the_api_and_the_table():
    shows, _ = joined()
    assert shows[own_show_id("Horatio Hornblower", 1998)]["tvmaze_rating"] == 9.8  # the API's rating.average
    assert shows[own_show_id("Nowhere At All", 2010)]["tvmaze_rating"] == 6.0  # the table's Rating column


def test_shows_nobody_rated_come_in_tvmazes_order_and_any_rating_here_comes_first():
    from projections.views import popular_key
    unrated = {"damped_mean": 3.2, "rating_count": 0}
    offline = [{**unrated, "title": "A", "tvmaze_rating": 6.1}, {**unrated, "title": "B", "tvmaze_rating": 9.0},
               {**unrated, "title": "C", "tvmaze_rating": None}]
    assert [d["title"] for d in sorted(offline, key=popular_key)] == ["B", "A", "C"]
    rated_here = {"damped_mean": 3.3, "rating_count": 1, "title": "D", "tvmaze_rating": None}
    assert sorted([*offline, rated_here], key=popular_key)[0] is rated_here
