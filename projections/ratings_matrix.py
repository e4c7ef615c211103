"""The ratings matrix for training: every rating as packed arrays, loadable in a fraction of a second.

Documents are chunks, not ratings: one per imported batch (``h:<event id>``, the batch's packed
arrays as BSON binary, never changed again) and one per site user (``u:<user id>``, their current
ratings, rewritten as they rate). 1M ratings are ~200 documents and ~13 MB. Historical users get
ids of their own space ("ml-latest-small:42") so they never collide with site accounts (uuids).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

import numpy as np
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e
from projections.registry import Registry

NAME = "ratings_matrix"


class RatingsMatrixProjection:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        match event:
            case e.HistoricalRatingsImported():
                return (f"h:{event.event_id}",)
            case e.MovieRated() | e.MovieRatingChanged() | e.MovieRatingRemoved():
                return (f"u:{event.user_id}",)
        return ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        if isinstance(event, e.HistoricalRatingsImported):
            return {"kind": "history", "source": event.source, "synthetic": event.synthetic, "count": event.count,
                    "users": event.users, "movies": event.movies, "half_stars": event.half_stars,
                    "timestamps": event.timestamps}
        chunk = document or {"kind": "site", "synthetic": False, "user": event.user_id, "ratings": {}}
        if isinstance(event, e.MovieRatingRemoved):
            chunk["ratings"].pop(str(event.movie_id), None)
        else:
            chunk["ratings"][str(event.movie_id)] = [event.rating, int(event.occurred_at.timestamp())]
        chunk["count"] = len(chunk["ratings"])
        return chunk

    async def create_indexes(self, collection: AsyncCollection) -> None:
        await collection.create_index([("synthetic", ASCENDING)], name="synthetic")


@dataclass(frozen=True)
class RatingsArrays:
    """Every rating as parallel arrays (what ``RatingsMatrix.from_triples`` takes, and a bit more)."""

    user_ids: np.ndarray  # str: the distinct external user ids (saved with a model, so no objects)
    user_index: np.ndarray  # int32 per rating, into user_ids
    items: np.ndarray  # int64 MovieLens movieIds
    ratings: np.ndarray  # float32, 0.5-5
    timestamps: np.ndarray  # int64 unix seconds, 0 when unknown
    position: int  # the log position these ratings reflect

    @property
    def users(self) -> np.ndarray:
        """The external user id of each rating."""
        return self.user_ids[self.user_index]

    def __len__(self) -> int:
        return len(self.ratings)


async def load_ratings_arrays(registry: Registry, include_synthetic: bool = False) -> RatingsArrays:
    """Every rating the matrix read model holds; synthetic batches only when asked for."""
    generation = await registry.active(NAME)
    query = {} if include_synthetic else {"synthetic": {"$in": [False]}}
    parts = _Parts()
    async for chunk in registry.database[generation.collection].find(query):
        if chunk["kind"] == "history":
            parts.add_history(chunk)
        elif chunk["ratings"]:
            parts.add_site(chunk)
    return parts.arrays(generation.checkpoint)


async def load_ratings_matrix(registry: Registry, include_synthetic: bool = False):
    """The recommender's RatingsMatrix (recommender/matrix.py), built straight from the arrays.

    Going back through external ids (``from_triples``) would sort a million user-id strings. No
    (user, movie) pair repeats here: a site user's document holds one rating per movie, and imports
    keep one rating per pair of a source (its last).
    """
    from recommender.matrix import RatingsMatrix  # noqa: PLC0415 - the recommender sits above projections

    arrays = await load_ratings_arrays(registry, include_synthetic)
    present = np.zeros(int(arrays.items.max(initial=0)) + 1, dtype=bool)
    present[arrays.items] = True
    item_ids = np.flatnonzero(present)
    dense = np.cumsum(present, dtype=np.int32) - 1  # movie id -> its index among item_ids
    return RatingsMatrix(arrays.user_index, dense[arrays.items], arrays.ratings, arrays.user_ids, item_ids)


class _Parts:
    """Collects chunks per user space, then numbers the users once."""

    def __init__(self) -> None:
        self.spaces: dict[str, list[tuple]] = {}
        self.site: list[tuple] = []

    def add_history(self, chunk: dict) -> None:
        self.spaces.setdefault(chunk["source"], []).append((
            np.frombuffer(chunk["users"], "<i4"), np.frombuffer(chunk["movies"], "<i4"),
            np.frombuffer(chunk["half_stars"], np.uint8), np.frombuffer(chunk["timestamps"], "<u4")))

    def add_site(self, chunk: dict) -> None:
        movies = np.fromiter((int(m) for m in chunk["ratings"]), np.int64, len(chunk["ratings"]))
        values = np.array(list(chunk["ratings"].values()), dtype=np.float64).reshape(-1, 2)
        self.site.append((chunk["user"], movies, values[:, 0], values[:, 1]))

    def arrays(self, position: int) -> RatingsArrays:
        labels, index, items, ratings, stamps = [], [], [], [], []
        for space, chunks in self.spaces.items():
            users = np.concatenate([c[0] for c in chunks])
            distinct, inverse = np.unique(users, return_inverse=True)
            index.append(inverse.astype(np.int32) + len(labels))
            labels += [f"{space}:{u}" for u in distinct.tolist()]
            items += [c[1] for c in chunks]
            ratings += [c[2].astype(np.float32) / 2 for c in chunks]
            stamps += [c[3] for c in chunks]
        for user, movies, values, times in self.site:
            index.append(np.full(len(movies), len(labels), np.int32))
            labels.append(user)
            items.append(movies), ratings.append(values.astype(np.float32)), stamps.append(times)
        return RatingsArrays(np.array(labels, dtype=str), _join(index, np.int32), _join(items, np.int64),
                             _join(ratings, np.float32), _join(stamps, np.int64), position)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)
