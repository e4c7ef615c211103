"""A user's account: its state folded from the user's stream, and the pure decisions on it.

Each decision takes the current state and the facts it needs (does the title exist?) and returns
the events to record — or raises a DomainError. No I/O here.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from domain import events as e
from domain.errors import EmailTaken, InvalidInput, InvalidRating, UnknownTitle, UnknownUser

# Fixed forever: user ids are derived from the e-mail address with it (see user_id_for).
_USERS = uuid.UUID("4b0a1c56-2f5e-4d6e-9a43-6d2b8f1e7c10")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("Please enter a valid e-mail address.")
    return email


def user_id_for(email: str) -> str:
    """One id per e-mail address, so a sign-up appends to a stream that exists only if the address is
    taken: the event store's optimistic concurrency makes e-mail uniqueness atomic, with no index."""
    return str(uuid.uuid5(_USERS, normalize_email(email)))


def stream_for(user_id: str) -> str:
    return f"user-{user_id}"


def check_rating(rating: float) -> float:
    if not 0.5 <= rating <= 5.0 or rating * 2 != int(rating * 2):
        raise InvalidRating(f"A rating is 0.5 to 5 stars in half steps, not {rating:g}.")
    return float(rating)


@dataclass(frozen=True)
class Stamp:
    """What every event of one command shares: its stream, its time, and ids derived from the
    command id, so a command sent twice produces the very same events."""

    stream: str
    command_id: str
    now: datetime

    def meta(self, index: int) -> dict:
        return {"event_id": self.event_id(self.command_id, index), "stream": self.stream, "occurred_at": self.now}

    @staticmethod
    def event_id(command_id: str, index: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{command_id}/{index}"))

    @classmethod
    def first_event_id(cls, command_id: str) -> str:
        return cls.event_id(command_id, 0)


@dataclass
class Account:
    user_id: str
    signed_up: bool = False
    ratings: dict[int, float] = field(default_factory=dict)
    not_seen: set[int] = field(default_factory=set)
    not_interested: set[int] = field(default_factory=set)

    @classmethod
    def from_events(cls, user_id: str, history: Iterable[e.Event]) -> "Account":
        account = cls(user_id)
        for event in history:
            match event:
                case e.UserSignedUp():
                    account.signed_up = True
                case e.MovieRated() | e.MovieRatingChanged():
                    account.ratings[event.movie_id] = event.rating
                case e.MovieRatingRemoved():
                    account.ratings.pop(event.movie_id, None)
                case e.MarkedNotSeen():
                    account.not_seen.add(event.movie_id)
                case e.NotSeenUnmarked():
                    account.not_seen.discard(event.movie_id)
                case e.MarkedNotInterested():
                    account.not_interested.add(event.movie_id)
                case e.NotInterestedUnmarked():
                    account.not_interested.discard(event.movie_id)
        return account


def sign_up(account: Account, stamp: Stamp, email: str, display_name: str, password_hash: str) -> list[e.Event]:
    if account.signed_up:
        raise EmailTaken("An account with this e-mail address already exists. Try logging in.")
    name = display_name.strip()
    if not 1 <= len(name) <= 60:
        raise InvalidInput("Your name must be 1 to 60 characters long.")
    return [e.UserSignedUp(**stamp.meta(0), user_id=account.user_id, email=normalize_email(email),
                           display_name=name, password_hash=password_hash)]


def rate_movie(account: Account, stamp: Stamp, movie_id: int, rating: float, movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    rating = check_rating(rating)
    if not movie_exists:
        raise UnknownTitle(f"There is no movie with id {movie_id}.")
    previous = account.ratings.get(movie_id)
    if previous == rating:
        return []
    events: list[e.Event] = []
    if movie_id in account.not_seen:  # rating a movie says you have seen it
        events.append(e.NotSeenUnmarked(**stamp.meta(len(events)), user_id=account.user_id, movie_id=movie_id))
    fields = dict(user_id=account.user_id, movie_id=movie_id, rating=rating)
    events.append(e.MovieRated(**stamp.meta(len(events)), **fields) if previous is None else
                  e.MovieRatingChanged(**stamp.meta(len(events)), **fields, previous=previous))
    return events


def remove_movie_rating(account: Account, stamp: Stamp, movie_id: int) -> list[e.Event]:
    _check_member(account)
    if movie_id not in account.ratings:
        return []
    return [e.MovieRatingRemoved(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id,
                                 previous=account.ratings[movie_id])]


def set_not_seen(account: Account, stamp: Stamp, movie_id: int, marked: bool, movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not movie_exists:
        raise UnknownTitle(f"There is no movie with id {movie_id}.")
    if marked == (movie_id in account.not_seen):
        return []
    if marked and movie_id in account.ratings:
        raise InvalidInput("You rated this movie, so you have seen it. Remove the rating first.")
    kind = e.MarkedNotSeen if marked else e.NotSeenUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id)]


def set_not_interested(account: Account, stamp: Stamp, movie_id: int, marked: bool,
                       movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not movie_exists:
        raise UnknownTitle(f"There is no movie with id {movie_id}.")
    if marked == (movie_id in account.not_interested):
        return []
    kind = e.MarkedNotInterested if marked else e.NotInterestedUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id)]


def rate_show(account: Account, stamp: Stamp, show_id: int, rating: float, show_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not show_exists:
        raise UnknownTitle(f"There is no show with id {show_id}.")
    return [e.ShowRated(**stamp.meta(0), user_id=account.user_id, show_id=show_id, rating=check_rating(rating))]


def rate_episode(account: Account, stamp: Stamp, show_id: int, season: int, episode: int, rating: float,
                 episode_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not episode_exists:
        raise UnknownTitle(f"Show {show_id} has no season {season} episode {episode}.")
    return [e.EpisodeRated(**stamp.meta(0), user_id=account.user_id, show_id=show_id, season=season,
                           episode=episode, rating=check_rating(rating))]


def record_picks_emailed(account: Account, stamp: Stamp, occasion: str, movie_ids: tuple[int, ...]) -> list[e.Event]:
    _check_member(account)
    return [e.PicksEmailed(**stamp.meta(0), user_id=account.user_id, occasion=occasion, movie_ids=movie_ids)]


def _check_member(account: Account) -> None:
    if not account.signed_up:
        raise UnknownUser("No such user: sign up first.")
