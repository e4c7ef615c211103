"""Titles members dismissed ("not interested"), for training: one document per member.

``u:<user id>`` holds the movie ids and show ids the member has marked "not interested" and not
unmarked since ("interested again"). It is the sibling of the ratings matrix (ratings_matrix.py): a
fold of the log, rebuilt by a replay and kept at a checkpoint like every read model. Training reads
it whole (``load_dismissals``) and hands it to the recommender as observed zeros of its implicit head
(recommender/implicit.py), which counts them only when ``dismissal_alpha`` > 0. A deleted account's
dismissals are dropped with it (unlike ratings, no member chose to leave them as signal).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

import numpy as np
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e
from projections.registry import Registry

NAME = "dismissals"


class DismissalsProjection:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        match event:
            case (e.MarkedNotInterested() | e.NotInterestedUnmarked() | e.ShowMarkedNotInterested()
                  | e.ShowNotInterestedUnmarked() | e.AccountDeleted()):
                return (f"u:{event.user_id}",)
        return ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        doc = document or {"user": event.user_id, "movies": [], "shows": []}
        match event:
            case e.MarkedNotInterested():
                _add(doc["movies"], event.movie_id)
            case e.NotInterestedUnmarked():
                _remove(doc["movies"], event.movie_id)
            case e.ShowMarkedNotInterested():
                _add(doc["shows"], event.show_id)
            case e.ShowNotInterestedUnmarked():
                _remove(doc["shows"], event.show_id)
            case e.AccountDeleted():
                doc["movies"], doc["shows"] = [], []
        doc["count"] = len(doc["movies"]) + len(doc["shows"])
        return doc

    async def create_indexes(self, collection: AsyncCollection) -> None:
        return None  # read whole, by training only


def _add(items: list, item: int) -> None:
    if item not in items:
        items.append(item)


def _remove(items: list, item: int) -> None:
    if item in items:
        items.remove(item)


@dataclass(frozen=True)
class Dismissals:
    """Every standing dismissal as parallel arrays: movies, and shows (by their own ids)."""

    movie_users: np.ndarray  # str user ids
    movies: np.ndarray  # int64 movie ids
    show_users: np.ndarray
    shows: np.ndarray  # int64 show ids (recommender.tv.show_item_id makes them items)
    position: int  # the log position these reflect

    def __len__(self) -> int:
        return len(self.movies) + len(self.shows)


async def load_dismissals(registry: Registry) -> Dismissals:
    """Every member's standing dismissals, as the read model holds them."""
    generation = await registry.active(NAME)
    movie_users, movies, show_users, shows = [], [], [], []
    async for doc in registry.database[generation.collection].find():
        movie_users += [doc["user"]] * len(doc["movies"])
        movies += doc["movies"]
        show_users += [doc["user"]] * len(doc["shows"])
        shows += doc["shows"]
    return Dismissals(np.array(movie_users, dtype=str), np.array(movies, dtype=np.int64),
                      np.array(show_users, dtype=str), np.array(shows, dtype=np.int64), generation.checkpoint)
