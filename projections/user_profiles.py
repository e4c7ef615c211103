"""User profiles: the account, what the user rated, and the titles they put aside."""
from __future__ import annotations

from typing import Hashable, Iterable

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e

NAME = "user_profiles"

_USER_EVENTS = (e.UserSignedUp, e.MovieRated, e.MovieRatingChanged, e.MovieRatingRemoved, e.MarkedNotSeen,
                e.NotSeenUnmarked, e.MarkedNotInterested, e.NotInterestedUnmarked, e.ShowRated, e.EpisodeRated)


def empty_profile(user_id: str) -> dict:
    return {"user_id": user_id, "email": None, "display_name": None, "password_hash": None, "signed_up_at": None,
            "ratings": {}, "not_seen": [], "not_interested": [], "show_ratings": {}, "episode_ratings": {},
            "counts": {"ratings": 0, "not_seen": 0, "not_interested": 0, "show_ratings": 0, "episode_ratings": 0}}


class UserProfiles:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        return (event.user_id,) if isinstance(event, _USER_EVENTS) else ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        profile = document if document is not None else empty_profile(event.user_id)
        match event:
            case e.UserSignedUp():
                profile.update(email=event.email, display_name=event.display_name,
                               password_hash=event.password_hash, signed_up_at=event.occurred_at)
            case e.MovieRated() | e.MovieRatingChanged():
                profile["ratings"][str(event.movie_id)] = event.rating
            case e.MovieRatingRemoved():
                profile["ratings"].pop(str(event.movie_id), None)
            case e.MarkedNotSeen():
                _add(profile["not_seen"], event.movie_id)
            case e.NotSeenUnmarked():
                _remove(profile["not_seen"], event.movie_id)
            case e.MarkedNotInterested():
                _add(profile["not_interested"], event.movie_id)
            case e.NotInterestedUnmarked():
                _remove(profile["not_interested"], event.movie_id)
            case e.ShowRated():
                profile["show_ratings"][str(event.show_id)] = event.rating
            case e.EpisodeRated():
                profile["episode_ratings"][f"{event.show_id}:{event.season}:{event.episode}"] = event.rating
        profile["counts"] = {field: len(profile[field]) for field in profile["counts"]}
        return profile

    async def create_indexes(self, collection: AsyncCollection) -> None:
        await collection.create_index([("email", ASCENDING)], name="email")


def _add(items: list, item: int) -> None:
    if item not in items:
        items.append(item)


def _remove(items: list, item: int) -> None:
    if item in items:
        items.remove(item)
