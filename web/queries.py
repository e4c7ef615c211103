"""Reads for the pages: the site's one door to the read models ("movies", "shows", "user_profiles").

It resolves each read model's serving collection on every call (a replay may have switched it),
builds every filter from typed values only, and turns documents into small views, so templates do
not depend on how a read model names its fields. A read model that is missing or still empty gives
empty lists (the pages show an empty state), never an error.
"""
from __future__ import annotations

import asyncio
import re
from typing import Iterable

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from projections.registry import Registry
from projections.search import SearchIndex
from web.views import LISTED, Member, MovieFilter, Show, Title

MOVIES, SHOWS, PROFILES = "movies", "shows", "user_profiles"
# Damped mean first: a title with three 5-star ratings should not outrank one with thousands of 4.5s.
POPULAR = [("damped_mean", DESCENDING), ("rating_count", DESCENDING), ("title", ASCENDING)]


def search_index(registry: Registry) -> SearchIndex:
    """The catalog's in-memory title search (one per process)."""
    return SearchIndex(registry)


class Reads:
    def __init__(self, registry: Registry, index=None) -> None:
        self.registry, self.index = registry, index

    async def _collection(self, name: str) -> AsyncCollection:
        return self.registry.database[(await self.registry.active(name)).collection]

    async def member(self, user_id: str) -> Member | None:
        doc = await (await self._collection(PROFILES)).find_one({"_id": user_id}, projection={"password_hash": 0})
        return Member.from_profile(doc) if doc and doc.get("email") else None

    async def password_hash(self, user_id: str) -> str | None:
        """Kept apart from Member, so no page ever holds a password hash."""
        doc = await (await self._collection(PROFILES)).find_one({"_id": user_id}, projection={"password_hash": 1})
        return doc.get("password_hash") if doc else None

    async def movie(self, movie_id: int) -> Title | None:
        doc = await (await self._collection(MOVIES)).find_one({"_id": movie_id, **LISTED})
        return Title.from_document("movie", doc) if doc else None

    async def movies_by_id(self, ids: Iterable[int]) -> dict[int, Title]:
        cursor = (await self._collection(MOVIES)).find({"_id": {"$in": list(ids)}, **LISTED})
        return {doc["_id"]: Title.from_document("movie", doc) async for doc in cursor}

    async def popular_movies(self, where: MovieFilter = MovieFilter(), exclude: Iterable[int] = (),
                             skip: int = 0, limit: int = 24) -> list[Title]:
        cursor = (await self._collection(MOVIES)).find(where.query(exclude)).sort(POPULAR).skip(skip).limit(limit)
        return [Title.from_document("movie", doc) async for doc in cursor]

    async def genres(self) -> list[str]:
        found = await (await self._collection(MOVIES)).distinct("genres")
        return sorted(g for g in found if isinstance(g, str) and g and g != "(no genres listed)")

    async def shows(self, skip: int = 0, limit: int = 24) -> list[Title]:
        cursor = (await self._collection(SHOWS)).find(LISTED, projection={"episodes": 0}).sort(POPULAR)
        return [Title.from_document("show", doc) async for doc in cursor.skip(skip).limit(limit)]

    async def shows_by_id(self, ids: Iterable[int]) -> dict[int, Title]:
        cursor = (await self._collection(SHOWS)).find({"_id": {"$in": list(ids)}, **LISTED},
                                                      projection={"episodes": 0})
        return {doc["_id"]: Title.from_document("show", doc) async for doc in cursor}

    async def show(self, show_id: int) -> Show | None:
        doc = await (await self._collection(SHOWS)).find_one({"_id": show_id, **LISTED})
        return Show.from_show_document(doc) if doc else None

    async def search(self, text: str, limit: int = 20) -> tuple[list[Title], list[Title]]:
        """Titles matching ``text``, best match first: (movies, shows). The catalog's search index
        forgives a typo and an unfinished last word; without it, titles containing the text."""
        if not re.search(r"\w", text):
            return [], []
        if self.index is not None:
            from projections.catalog_queries import search
            found = await asyncio.gather(*(search(self.index, text, kind=kind, per_page=limit)
                                           for kind in ("movie", "show")))
            return tuple([Title(hit.id, hit.kind, hit.title, hit.year, tuple(hit.genres)) for hit in page.hits]
                         for page in found)
        query = {"title": {"$regex": re.escape(text.strip()), "$options": "i"}, **LISTED}
        movies = (await self._collection(MOVIES)).find(query).sort(POPULAR).limit(limit)
        shows = (await self._collection(SHOWS)).find(query, projection={"episodes": 0}).sort(POPULAR).limit(limit)
        return ([Title.from_document("movie", d) async for d in movies],
                [Title.from_document("show", d) async for d in shows])

    async def same_genres(self, movie: Title, exclude: Iterable[int], limit: int = 8) -> list[Title]:
        """Popular movies sharing most genres with ``movie``: "similar" while no model is trained."""
        if not movie.genres:
            return []
        query = {"genres": {"$in": list(movie.genres)}, "_id": {"$nin": sorted({movie.id, *exclude})}, **LISTED}
        cursor = (await self._collection(MOVIES)).find(query).sort(POPULAR).limit(200)
        pool = [Title.from_document("movie", doc) async for doc in cursor]
        mine = set(movie.genres)
        pool.sort(key=lambda t: -len(mine & set(t.genres)) / len(mine | set(t.genres)))  # stable: popularity breaks ties
        return pool[:limit]
