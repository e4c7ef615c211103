"""Reads for the pages: the site's one door to the read models ("movies", "shows", "user_profiles").

It resolves each read model's serving collection on every call (a replay may have switched it),
builds every filter from typed values only, and turns documents into small views, so templates do
not depend on how a read model names its fields. A read model that is missing or still empty gives
empty lists (the pages show an empty state), never an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from projections.registry import Registry

MOVIES, SHOWS, PROFILES = "movies", "shows", "user_profiles"
# Damped mean first: a title with three 5-star ratings should not outrank one with thousands of 4.5s.
POPULAR = [("damped_mean", DESCENDING), ("rating_count", DESCENDING), ("title", ASCENDING)]


@dataclass(frozen=True)
class Title:
    id: int
    kind: str  # "movie" or "show"
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    rating_count: int = 0
    rating_mean: float | None = None

    @classmethod
    def from_document(cls, kind: str, doc: dict) -> "Title":
        genres = tuple(g for g in doc.get("genres") or () if g and g != "(no genres listed)")
        return cls(id=int(doc["_id"]), kind=kind, title=str(doc.get("title") or f"#{doc['_id']}"),
                   year=doc.get("year"), genres=genres, rating_count=int(doc.get("rating_count") or 0),
                   rating_mean=doc.get("rating_mean"))


@dataclass(frozen=True)
class Episode:
    season: int
    number: int
    title: str


@dataclass(frozen=True)
class Show(Title):
    seasons: dict[int, list[Episode]] = field(default_factory=dict)

    @classmethod
    def from_show_document(cls, doc: dict) -> "Show":
        seasons: dict[int, list[Episode]] = {}
        for key, value in (doc.get("episodes") or {}).items():
            season, _, number = key.partition(":")
            if season.isdigit() and number.isdigit():
                info = value if isinstance(value, dict) else {}
                name = info.get("title") or info.get("name") or f"Episode {int(number)}"
                seasons.setdefault(int(season), []).append(Episode(int(season), int(number), str(name)))
        ordered = {s: sorted(eps, key=lambda e: e.number) for s, eps in sorted(seasons.items())}
        base = Title.from_document("show", doc)
        return cls(**{name: getattr(base, name) for name in Title.__dataclass_fields__}, seasons=ordered)


@dataclass(frozen=True)
class Member:
    """A signed-up user as the pages need them, from the user_profiles read model."""

    user_id: str
    display_name: str
    email: str
    password_hash: str
    ratings: dict[int, float]
    not_seen: frozenset[int]
    not_interested: frozenset[int]
    show_ratings: dict[int, float]
    episode_ratings: dict[str, float]

    @classmethod
    def from_profile(cls, doc: dict) -> "Member":
        return cls(user_id=doc["_id"], display_name=doc["display_name"], email=doc["email"],
                   password_hash=doc["password_hash"],
                   ratings={int(k): float(v) for k, v in doc.get("ratings", {}).items()},
                   not_seen=frozenset(doc.get("not_seen", ())), not_interested=frozenset(doc.get("not_interested", ())),
                   show_ratings={int(k): float(v) for k, v in doc.get("show_ratings", {}).items()},
                   episode_ratings=dict(doc.get("episode_ratings", {})))


@dataclass(frozen=True)
class MovieFilter:
    genre: str | None = None
    decade: int | None = None

    def query(self, exclude: Iterable[int] = ()) -> dict:
        query: dict = {}
        if self.genre:
            query["genres"] = {"$in": [self.genre]}  # not an equality: nx-27017 misses it on an indexed array
        if self.decade is not None:
            query["year"] = {"$gte": self.decade, "$lte": self.decade + 9}
        if excluded := sorted(exclude):
            query["_id"] = {"$nin": excluded}
        return query


class Reads:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def _collection(self, name: str) -> AsyncCollection:
        return self.registry.database[(await self.registry.active(name)).collection]

    async def member(self, user_id: str) -> Member | None:
        doc = await (await self._collection(PROFILES)).find_one({"_id": user_id})
        return Member.from_profile(doc) if doc and doc.get("email") else None

    async def movie(self, movie_id: int) -> Title | None:
        doc = await (await self._collection(MOVIES)).find_one({"_id": movie_id})
        return Title.from_document("movie", doc) if doc else None

    async def movies_by_id(self, ids: Iterable[int]) -> dict[int, Title]:
        cursor = (await self._collection(MOVIES)).find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: Title.from_document("movie", doc) async for doc in cursor}

    async def popular_movies(self, where: MovieFilter = MovieFilter(), exclude: Iterable[int] = (),
                             skip: int = 0, limit: int = 24) -> list[Title]:
        cursor = (await self._collection(MOVIES)).find(where.query(exclude)).sort(POPULAR).skip(skip).limit(limit)
        return [Title.from_document("movie", doc) async for doc in cursor]

    async def genres(self) -> list[str]:
        found = await (await self._collection(MOVIES)).distinct("genres")
        return sorted(g for g in found if isinstance(g, str) and g and g != "(no genres listed)")

    async def shows(self, skip: int = 0, limit: int = 24) -> list[Title]:
        cursor = (await self._collection(SHOWS)).find({}, projection={"episodes": 0}).sort(POPULAR)
        return [Title.from_document("show", doc) async for doc in cursor.skip(skip).limit(limit)]

    async def shows_by_id(self, ids: Iterable[int]) -> dict[int, Title]:
        cursor = (await self._collection(SHOWS)).find({"_id": {"$in": list(ids)}}, projection={"episodes": 0})
        return {doc["_id"]: Title.from_document("show", doc) async for doc in cursor}

    async def show(self, show_id: int) -> Show | None:
        doc = await (await self._collection(SHOWS)).find_one({"_id": show_id})
        return Show.from_show_document(doc) if doc else None

    async def search(self, text: str, limit: int = 20) -> tuple[list[Title], list[Title]]:
        """Titles containing ``text`` (any case), most popular first: (movies, shows)."""
        query = {"title": {"$regex": re.escape(text.strip()), "$options": "i"}}
        movies = (await self._collection(MOVIES)).find(query).sort(POPULAR).limit(limit)
        shows = (await self._collection(SHOWS)).find(query, projection={"episodes": 0}).sort(POPULAR).limit(limit)
        return ([Title.from_document("movie", d) async for d in movies],
                [Title.from_document("show", d) async for d in shows])

    async def same_genres(self, movie: Title, exclude: Iterable[int], limit: int = 8) -> list[Title]:
        """Popular movies sharing most genres with ``movie``: "similar" while no model is trained."""
        if not movie.genres:
            return []
        query = {"genres": {"$in": list(movie.genres)}, "_id": {"$nin": sorted({movie.id, *exclude})}}
        cursor = (await self._collection(MOVIES)).find(query).sort(POPULAR).limit(200)
        pool = [Title.from_document("movie", doc) async for doc in cursor]
        mine = set(movie.genres)
        pool.sort(key=lambda t: -len(mine & set(t.genres)) / len(mine | set(t.genres)))  # stable: popularity breaks ties
        return pool[:limit]
