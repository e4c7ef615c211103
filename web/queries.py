"""Reads for the pages: the site's one door to the read models ("movies", "shows", "user_profiles").

It resolves each read model's serving collection on every call (a replay may have switched it),
builds every filter from typed values only, and turns documents into small views, so templates do
not depend on how a read model names its fields. A read model that is missing or still empty gives
empty lists (the pages show an empty state), never an error.
"""
from __future__ import annotations

import asyncio
import re
from base64 import b64decode
from typing import Iterable

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from commands.keyring import Keyring
from domain.events import Sealed
from projections.registry import Registry
from projections.search import SearchIndex
from web.views import LISTED, Credentials, Member, MovieFilter, Show, Title

MOVIES, SHOWS, PROFILES = "movies", "shows", "user_profiles"
# Damped mean first: a title with three 5-star ratings should not outrank one with thousands of 4.5s.
POPULAR = [("damped_mean", DESCENDING), ("rating_count", DESCENDING), ("title", ASCENDING)]


def search_index(registry: Registry) -> SearchIndex:
    """The catalog's in-memory title search (one per process)."""
    return SearchIndex(registry)


class Reads:
    def __init__(self, registry: Registry, index=None, keyring: Keyring | None = None) -> None:
        self.registry, self.index, self.keyring = registry, index, keyring

    async def _collection(self, name: str) -> AsyncCollection:
        return self.registry.database[(await self.registry.active(name)).collection]

    async def member(self, user_id: str) -> Member | None:
        """The verified, undeleted member with this id (personal fields opened), else None."""
        doc = await (await self._collection(PROFILES)).find_one({"_id": user_id})
        if not doc or doc.get("deleted") or not doc.get("verified"):
            return None
        personal = await self._personal(doc)
        return Member.from_profile(doc, personal) if personal else None

    async def credentials(self, email: str) -> Credentials | None:
        """The account holding this address, for logging in and the account e-mails; kept apart
        from Member, so no page ever holds a password hash."""
        user_id = await self.keyring.owner(email) if self.keyring else None
        # Read a profile even for an unknown address, so both cost the same round trips.
        doc = await (await self._collection(PROFILES)).find_one({"_id": user_id or "~nobody"})
        personal = await self._personal(doc) if doc and not doc.get("deleted") else None
        if not personal:
            return None
        return Credentials(user_id=user_id, email=personal["email"], display_name=personal["display_name"],
                           password_hash=personal["password_hash"], verified=bool(doc.get("verified")),
                           email_version=int(doc["email_version"]), password_version=int(doc["password_version"]),
                           session_epoch=int(doc.get("session_epoch", 0)))

    async def _personal(self, doc: dict) -> dict | None:
        """The profile's sealed fields opened and merged, newest kind last; None once erased."""
        merged: dict = {}
        for kind in ("signup", "email", "password"):
            if blob := doc.get("sealed", {}).get(kind):
                opened = await self.keyring.open(doc["_id"], Sealed(nonce=b64decode(blob["nonce"]), data=b64decode(blob["data"])))
                if opened is None:
                    return None
                merged.update(opened)
        return merged if {"email", "display_name", "password_hash"} <= merged.keys() else None

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
