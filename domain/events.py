"""Every fact MyBigMovie records, as frozen msgspec Structs with stable, versioned tags.

A tag (``"movie-rated/1"``) is part of the stored data: never rename one. A change of meaning or
shape gets a new tag (``/2``) and both stay decodable, so the oldest event in the log still loads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

import msgspec

from domain.errors import MalformedEvent


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    event_id: str
    stream: str
    occurred_at: datetime


# --- accounts -------------------------------------------------------------------------------

class UserSignedUp(Event, frozen=True, kw_only=True, tag="user-signed-up/1"):
    user_id: str
    email: str
    display_name: str
    password_hash: str


# --- movie ratings and lists ----------------------------------------------------------------

class MovieRated(Event, frozen=True, kw_only=True, tag="movie-rated/1"):
    user_id: str
    movie_id: int
    rating: float


class MovieRatingChanged(Event, frozen=True, kw_only=True, tag="movie-rating-changed/1"):
    user_id: str
    movie_id: int
    rating: float
    previous: float


class MovieRatingRemoved(Event, frozen=True, kw_only=True, tag="movie-rating-removed/1"):
    user_id: str
    movie_id: int


class MarkedNotSeen(Event, frozen=True, kw_only=True, tag="marked-not-seen/1"):
    user_id: str
    movie_id: int


class NotSeenUnmarked(Event, frozen=True, kw_only=True, tag="not-seen-unmarked/1"):
    user_id: str
    movie_id: int


class MarkedNotInterested(Event, frozen=True, kw_only=True, tag="marked-not-interested/1"):
    user_id: str
    movie_id: int


class NotInterestedUnmarked(Event, frozen=True, kw_only=True, tag="not-interested-unmarked/1"):
    user_id: str
    movie_id: int


# --- TV ratings -----------------------------------------------------------------------------

class ShowRated(Event, frozen=True, kw_only=True, tag="show-rated/1"):
    user_id: str
    show_id: int
    rating: float


class EpisodeRated(Event, frozen=True, kw_only=True, tag="episode-rated/1"):
    user_id: str
    show_id: int
    season: int
    episode: int
    rating: float


# --- catalog --------------------------------------------------------------------------------

class MovieListed(Event, frozen=True, kw_only=True, tag="movie-listed/1"):
    movie_id: int
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    imdb_id: str | None = None
    tmdb_id: int | None = None


AnyEvent = Union[
    UserSignedUp,
    MovieRated,
    MovieRatingChanged,
    MovieRatingRemoved,
    MarkedNotSeen,
    NotSeenUnmarked,
    MarkedNotInterested,
    NotInterestedUnmarked,
    ShowRated,
    EpisodeRated,
    MovieListed,
]

EVENT_TYPES: dict[str, type[Event]] = {cls.__struct_config__.tag: cls for cls in AnyEvent.__args__}


def to_document(event: Event) -> dict:
    """The event as a BSON-ready dict (datetimes stay datetimes, the tag is under ``type``)."""
    return msgspec.to_builtins(event, builtin_types=(datetime,))


def from_document(document: dict) -> Event:
    """Decode any stored event; an unknown tag or a malformed field raises MalformedEvent."""
    try:
        event = msgspec.convert(document, AnyEvent)
    except msgspec.ValidationError as error:
        tag = document.get("type") if isinstance(document, dict) else None
        raise MalformedEvent(f"cannot decode event (type {tag!r}): {error}") from None
    if event.occurred_at.tzinfo is None:  # BSON datetimes come back naive, in UTC
        event = msgspec.structs.replace(event, occurred_at=event.occurred_at.replace(tzinfo=timezone.utc))
    return event
