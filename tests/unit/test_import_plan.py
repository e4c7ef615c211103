"""What an import appends: only what the log lacks, as listings and field-level corrections."""
from __future__ import annotations

import msgspec

from commands.importers.catalog import Known, fold_listing, movie_stream, plan_movies, plan_shows
from domain import events as e

GODFATHER = {"title": "The Godfather", "year": 1972, "genres": ("Crime", "Drama"), "imdb_id": "tt0068646",
             "tmdb_id": 238, "aka": (), "source": "ml-latest"}


def known_after(*plans: dict) -> Known:
    known = Known()
    for planned in plans:
        for stream, events in planned.items():
            known.versions[stream] = known.versions.get(stream, 0) + len(events)
            for event in events:
                fold_listing(known, event)
    return known


def only(planned: dict) -> list[e.Event]:
    return [event for events in planned.values() for event in events]


def test_a_new_movie_is_listed_on_its_shard_stream():
    [listed] = only(plan_movies({858: GODFATHER}, Known()))
    assert isinstance(listed, e.MovieListed) and listed.stream == movie_stream(858) == "movies-26"
    assert (listed.title, listed.genres, listed.source) == ("The Godfather", ("Crime", "Drama"), "ml-latest")


def test_importing_the_same_again_plans_nothing():
    first = plan_movies({858: GODFATHER}, Known())
    assert plan_movies({858: GODFATHER}, known_after(first)) == {}


def test_a_change_is_a_correction_of_just_the_changed_fields():
    known = known_after(plan_movies({858: GODFATHER}, Known()))
    changed = {**GODFATHER, "genres": ("Crime", "Drama", "Classic"), "runtime": 175}
    [correction] = only(plan_movies({858: changed}, known))
    assert isinstance(correction, e.MovieMetadataCorrected)
    assert correction.genres == ("Crime", "Drama", "Classic") and correction.runtime == 175
    assert correction.title is msgspec.UNSET and correction.year is msgspec.UNSET


def test_an_older_release_does_not_overwrite_a_newer_one():
    known = known_after(plan_movies({858: GODFATHER}, Known()))
    older = {**GODFATHER, "genres": ("Action", "Crime", "Drama"), "source": "ml-1m"}
    assert plan_movies({858: older}, known) == {}
    details = {"directors": ("Francis Ford Coppola",), "source": "ml-latest-extras"}  # not a release's field
    [correction] = only(plan_movies({858: details}, known))
    assert correction.directors == ("Francis Ford Coppola",)


def test_details_without_a_listing_are_not_enough_to_list_a_movie():
    assert plan_movies({858: {"runtime": 175, "source": "ml-latest-extras"}}, Known()) == {}


def test_event_ids_come_from_the_content_and_the_stream_version():
    again = only(plan_movies({858: GODFATHER}, Known()))[0]
    assert again.event_id == only(plan_movies({858: GODFATHER}, Known()))[0].event_id  # a retry resends it
    moved = Known(versions={movie_stream(858): 3})
    assert only(plan_movies({858: GODFATHER}, moved))[0].event_id != again.event_id


def test_shows_list_with_their_episodes_and_correct_them_whole():
    show = {"title": "Firefly", "imdb_id": "tt0303461", "episodes": ((1, 1, None, None, 8.9, 100),), "source": "tv"}
    [listed] = only(plan_shows({303461: show}, Known()))
    assert listed.episodes == (e.EpisodeEntry(1, 1, None, None, 8.9, 100),)
    known = known_after(plan_shows({303461: show}, Known()))
    longer = {**show, "episodes": ((1, 1, None, None, 8.9, 100), (1, 2, "The Train Job", None, 8.7, 90))}
    [correction] = only(plan_shows({303461: longer}, known))
    assert isinstance(correction, e.ShowMetadataCorrected) and len(correction.episodes) == 2
    assert plan_shows({303461: longer}, known_after(plan_shows({303461: show}, Known()),
                                                    plan_shows({303461: longer}, known))) == {}
