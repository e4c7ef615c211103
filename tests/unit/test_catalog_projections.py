"""The catalog read models equal a plain fold over any sequence of events (property-based)."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events as e
from projections.movies import PRIOR_MEAN, PRIOR_WEIGHT, Movies
from projections.ratings_matrix import RatingsMatrixProjection, _Parts
from projections.shows import Shows

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
MOVIES, USERS, SHOWS = [1, 2, 3, 858], ["ann", "bob", "cy"], [944947, 903747]
half_stars = st.integers(1, 10).map(lambda k: k / 2)


def meta(stream: str) -> dict:
    return {"event_id": uuid.uuid4().hex, "stream": stream, "occurred_at": NOW}


listing = st.builds(lambda m, title, year, genres, ref: e.MovieListed(
    **meta("movies-00"), movie_id=m, title=title, year=year, genres=tuple(genres), source="ml-latest",
    reference=e.RatingSummary(count=ref[0], mean=ref[1], source="ml-latest-2023") if ref else None),
    st.sampled_from(MOVIES), st.sampled_from(["The Godfather", "Amélie", "Heat"]), st.none() | st.integers(1950, 2020),
    st.lists(st.sampled_from(["Drama", "Crime", "Comedy"]), unique=True, max_size=3),
    st.none() | st.tuples(st.integers(1, 5000), half_stars))
correction = st.builds(lambda m, fields: e.MovieMetadataCorrected(**meta("movies-00"), movie_id=m, source="x",
                                                                  **fields),
                       st.sampled_from(MOVIES), st.fixed_dictionaries({}, optional={
                           "title": st.sampled_from(["The Godfather Part II", "Le Samouraï"]),
                           "year": st.none() | st.integers(1950, 2020), "runtime": st.integers(60, 200),
                           "reference": st.builds(lambda c, m: e.RatingSummary(count=c, mean=m, source="y"),
                                                  st.integers(1, 100), half_stars)}))
batch = st.builds(lambda rows, synthetic: _batch(rows, synthetic),
                  st.lists(st.tuples(st.integers(1, 50), st.sampled_from(MOVIES), st.integers(1, 10)), min_size=1,
                           max_size=30), st.booleans())
site = st.tuples(st.just("site"), st.sampled_from(USERS), st.sampled_from(MOVIES), st.none() | half_stars)
show_events = st.one_of(
    st.builds(lambda s, n, votes: e.ShowListed(**meta("shows-00"), show_id=s, title="Show", imdb_id=f"tt{s:07d}",
                                               imdb_rating=8.0, imdb_votes=votes,
                                               episodes=tuple(e.EpisodeEntry(1, k) for k in range(1, n + 1))),
              st.sampled_from(SHOWS), st.integers(0, 4), st.none() | st.integers(1, 10**6)),
    st.builds(lambda s, u, r: e.ShowRated(**meta(f"user-{u}"), user_id=u, show_id=s, rating=r),
              st.sampled_from(SHOWS), st.sampled_from(USERS), half_stars),
    st.builds(lambda s, u, k, r: e.EpisodeRated(**meta(f"user-{u}"), user_id=u, show_id=s, season=1, episode=k,
                                                rating=r),
              st.sampled_from(SHOWS), st.sampled_from(USERS), st.integers(1, 4), half_stars))


def _batch(rows, synthetic) -> e.HistoricalRatingsImported:
    users, movies, stars = (np.array(column) for column in zip(*rows))
    return e.HistoricalRatingsImported(**meta("history-x"), source="syn" if synthetic else "ml", batch=0,
                                       synthetic=synthetic, users=users.astype("<i4").tobytes(),
                                       movies=movies.astype("<i4").tobytes(), half_stars=stars.astype("u1").tobytes(),
                                       timestamps=np.zeros(len(rows), "<u4").tobytes())


def site_events(steps) -> list[e.Event]:
    """Site ratings as the command handlers would record them: rated, changed (with previous), removed."""
    current: dict[tuple[str, int], float] = {}
    recorded = []
    for _, user, movie, rating in steps:
        before, fields = current.get((user, movie)), {"user_id": user, "movie_id": movie}
        if rating is None and before is not None:
            recorded.append(e.MovieRatingRemoved(**meta(f"user-{user}"), **fields, previous=before))
            del current[(user, movie)]
        elif rating is not None and before is None:
            recorded.append(e.MovieRated(**meta(f"user-{user}"), **fields, rating=rating))
        elif rating is not None and rating != before:
            recorded.append(e.MovieRatingChanged(**meta(f"user-{user}"), **fields, rating=rating, previous=before))
        if rating is not None:
            current[(user, movie)] = rating
    return recorded


def fold(projection, events) -> dict:
    documents: dict = {}
    for event in events:
        for key in projection.keys(event):
            documents[key] = projection.apply(documents.get(key), event, key)
    return documents


def _interleave(items) -> list[e.Event]:
    """Catalog events in the order drawn, site rating steps turned into valid events in their places."""
    recorded = iter(site_events([item for item in items if isinstance(item, tuple)]))
    out = [next(recorded, None) if isinstance(item, tuple) else item for item in items]
    return [event for event in out + list(recorded) if event is not None]


catalog_events = st.lists(st.one_of(listing, correction, batch, site), max_size=40).map(_interleave)


@settings(max_examples=150, deadline=None)
@given(catalog_events)
def test_movies_equal_a_plain_fold(events):
    documents = fold(Movies(), events)
    for movie_id in MOVIES:
        expected = _expected_movie(events, movie_id)
        if expected is None:
            assert movie_id not in documents
            continue
        got = documents[movie_id]
        for field in ("title", "year", "runtime", "listed", "rating_count", "rating_mean", "damped_mean", "popularity"):
            assert got.get(field) == expected.get(field), field


def _expected_movie(events, movie_id) -> dict | None:
    touched = [ev for ev in events if getattr(ev, "movie_id", None) == movie_id or (
        isinstance(ev, e.HistoricalRatingsImported) and not ev.synthetic and movie_id in ev.arrays()[1])]
    if not touched:
        return None
    movie = {"listed": False, "title": None, "year": None, "runtime": None, "reference": None}
    ratings: list[float] = []
    site: dict[str, float] = {}
    for ev in touched:
        if isinstance(ev, e.MovieListed):
            movie.update(listed=True, title=ev.title, year=ev.year, runtime=ev.runtime,
                         reference=ev.reference and {"count": ev.reference.count, "mean": ev.reference.mean})
        elif isinstance(ev, e.MovieMetadataCorrected):
            for name in ("title", "year", "runtime", "reference"):
                value = getattr(ev, name)
                if value is not e.msgspec.UNSET:
                    movie[name] = {"count": value.count, "mean": value.mean} if name == "reference" and value else value
        elif isinstance(ev, e.HistoricalRatingsImported):
            _, movies, stars, _ = ev.arrays()
            ratings += stars[movies == movie_id].tolist()
        elif isinstance(ev, (e.MovieRated, e.MovieRatingChanged)):
            site[ev.user_id] = ev.rating
        elif isinstance(ev, e.MovieRatingRemoved):
            site.pop(ev.user_id)
    reference = movie.pop("reference")
    count = len(ratings) + len(site) + (reference["count"] if reference else 0)
    total = sum(ratings) + sum(site.values()) + (reference["count"] * reference["mean"] if reference else 0)
    movie.update(rating_count=count, popularity=count, rating_mean=round(total / count, 4) if count else None,
                 damped_mean=round((PRIOR_MEAN * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + count), 4))
    return movie


@settings(max_examples=100, deadline=None)
@given(st.lists(show_events, max_size=30))
def test_shows_equal_a_plain_fold(events):
    documents = fold(Shows(), events)
    for show_id in SHOWS:
        mine = [ev for ev in events if ev.show_id == show_id]
        if not mine:
            assert show_id not in documents
            continue
        got = documents[show_id]
        listings = [ev for ev in mine if isinstance(ev, e.ShowListed)]
        episodes = listings[-1].episodes if listings else ()
        assert sorted(got["episodes"]) == sorted(f"1:{entry.number}" for entry in episodes)
        assert got["seasons"] == ([{"number": 1, "episodes": len(episodes)}] if episodes else [])
        show_ratings = {ev.user_id: ev.rating for ev in mine if isinstance(ev, e.ShowRated)}
        assert got["site_rating_count"] == len(show_ratings)
        by_episode = defaultdict(dict)
        for ev in mine:
            if isinstance(ev, e.EpisodeRated):
                by_episode[f"1:{ev.episode}"][ev.user_id] = ev.rating
        for key, episode in got["episodes"].items():
            rated = by_episode.get(key, {})
            assert episode.get("site", {}).get("site_rating_count", 0) == len(rated)
            assert episode["title"] is None  # nothing named these episodes


@settings(max_examples=100, deadline=None)
@given(catalog_events, st.booleans())
def test_the_ratings_matrix_holds_every_rating_once(events, include_synthetic):
    parts = _Parts()
    for document in fold(RatingsMatrixProjection(), events).values():
        if document["kind"] == "history" and (include_synthetic or not document["synthetic"]):
            parts.add_history(document)
        elif document["kind"] == "site" and document["ratings"]:
            parts.add_site(document)
    arrays = parts.arrays(position=0)
    got = sorted(zip(arrays.users.tolist(), arrays.items.tolist(), arrays.ratings.tolist()))
    expected, site = [], {}
    for ev in events:
        if isinstance(ev, e.HistoricalRatingsImported) and (include_synthetic or not ev.synthetic):
            users, movies, stars, _ = ev.arrays()
            expected += [(f"{ev.source}:{u}", m, r) for u, m, r in zip(users.tolist(), movies.tolist(), stars.tolist())]
        elif isinstance(ev, (e.MovieRated, e.MovieRatingChanged)):
            site[(ev.user_id, ev.movie_id)] = ev.rating
        elif isinstance(ev, e.MovieRatingRemoved):
            del site[(ev.user_id, ev.movie_id)]
    expected += [(user, movie, rating) for (user, movie), rating in site.items()]
    assert got == sorted(expected)
