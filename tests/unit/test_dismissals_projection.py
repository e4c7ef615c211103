"""The dismissals read model equals a plain fold of "not interested" and "interested again" (property-based)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events as e
from projections.dismissals import DismissalsProjection

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
USERS, MOVIES, SHOWS = ["ann", "bob"], [1, 2, 858], [944947, 903747]


def ev(kind, user="ann", **fields):
    return kind(event_id=uuid.uuid4().hex, stream=f"user-{user}", occurred_at=NOW, user_id=user, **fields)


def fold(events) -> dict:
    projection, documents = DismissalsProjection(), {}
    for event in events:
        for key in projection.keys(event):
            documents[key] = projection.apply(documents.get(key), event, key)
    return documents


def test_not_interested_and_its_undo_for_movies_and_shows():
    docs = fold([ev(e.MarkedNotInterested, movie_id=1), ev(e.MarkedNotInterested, movie_id=2),
                 ev(e.MarkedNotInterested, movie_id=1),  # twice: once
                 ev(e.NotInterestedUnmarked, movie_id=2),  # interested again
                 ev(e.ShowMarkedNotInterested, show_id=944947), ev(e.ShowMarkedNotInterested, show_id=903747),
                 ev(e.ShowNotInterestedUnmarked, show_id=944947),
                 ev(e.MovieRated, user="bob", movie_id=1, rating=4.0),  # not this read model's
                 ev(e.MarkedNotSeen, user="bob", movie_id=2)])
    assert docs == {"u:ann": {"user": "ann", "movies": [1], "shows": [903747], "count": 2}}


def test_a_deleted_account_leaves_no_dismissal():
    docs = fold([ev(e.MarkedNotInterested, movie_id=1), ev(e.ShowMarkedNotInterested, show_id=944947),
                 ev(e.AccountDeleted, ratings_kept=True)])
    assert docs["u:ann"]["movies"] == docs["u:ann"]["shows"] == [] and docs["u:ann"]["count"] == 0


steps = st.lists(st.tuples(st.sampled_from(USERS), st.booleans(), st.sampled_from(MOVIES + SHOWS), st.booleans()),
                 max_size=40)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_the_read_model_holds_each_members_standing_dismissals(drawn):
    expected: dict[str, set] = {}
    events = []
    for user, mark, title, is_show in drawn:
        kind = {(True, True): e.ShowMarkedNotInterested, (False, True): e.ShowNotInterestedUnmarked,
                (True, False): e.MarkedNotInterested, (False, False): e.NotInterestedUnmarked}[mark, is_show]
        events.append(ev(kind, user=user, **({"show_id": title} if is_show else {"movie_id": title})))
        (expected.setdefault(user, set()).add if mark else expected.setdefault(user, set()).discard)((is_show, title))
    docs = fold(events)
    for user, standing in expected.items():
        doc = docs[f"u:{user}"]
        assert {(False, m) for m in doc["movies"]} | {(True, s) for s in doc["shows"]} == standing
        assert doc["count"] == len(standing) == len(doc["movies"]) + len(doc["shows"])
