"""The user-profile fold, event by event."""
import base64
from datetime import datetime, timezone

from domain import events as e
from projections.user_profiles import UserProfiles

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def fold(*events):
    projection, document = UserProfiles(), None
    for event in events:
        [key] = projection.keys(event)
        document = projection.apply(document, event, key)
    return document


def ev(kind, **fields):
    return kind(event_id="x", stream="user-u", occurred_at=NOW, user_id="u", **fields)


def test_ratings_lists_and_counts_follow_the_events():
    profile = fold(
        ev(e.UserSignedUp, personal=e.Sealed(nonce=b"n" * 12, data=b"d")),
        ev(e.MovieRated, movie_id=1, rating=4.5),
        ev(e.MovieRated, movie_id=2, rating=2.0),
        ev(e.MovieRatingChanged, movie_id=2, rating=3.0, previous=2.0),
        ev(e.MovieRatingRemoved, movie_id=1, previous=4.5),
        ev(e.MarkedNotSeen, movie_id=7),
        ev(e.MarkedNotInterested, movie_id=8),
        ev(e.MarkedNotInterested, movie_id=9),
        ev(e.NotInterestedUnmarked, movie_id=8),
        ev(e.ShowRated, show_id=3, rating=5.0),
        ev(e.EpisodeRated, show_id=3, season=1, episode=2, rating=4.0),
    )
    # The personal fields stay sealed as in the event (opened on the read side with the member's key).
    assert profile["sealed"] == {"signup": {"nonce": base64.b64encode(b"n" * 12).decode(),
                                            "data": base64.b64encode(b"d").decode()}}
    assert profile["signed_up_at"] == NOW and profile["email_version"] == 1 and profile["password_version"] == 1
    assert profile["ratings"] == {"2": 3.0}
    assert profile["not_seen"] == [7] and profile["not_interested"] == [9]
    assert profile["show_ratings"] == {"3": 5.0} and profile["episode_ratings"] == {"3:1:2": 4.0}
    assert profile["counts"] == {"ratings": 1, "not_seen": 1, "not_interested": 1, "show_ratings": 1,
                                 "episode_ratings": 1}


def test_other_events_touch_no_profile():
    listed = e.MovieListed(event_id="x", stream="movie-1", occurred_at=NOW, movie_id=1, title="Heat")
    assert tuple(UserProfiles().keys(listed)) == ()
