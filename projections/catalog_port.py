"""The commands' Catalog port, answered from the movies and shows read models."""
from __future__ import annotations

import time

from projections.registry import Registry

MOVIES, SHOWS = "movies", "shows"


class ReadModelCatalog:
    def __init__(self, registry: Registry, recheck_after: float = 0.5) -> None:
        self.registry, self.recheck_after = registry, recheck_after
        self._serving: dict[str, tuple[float, str]] = {}  # read model -> (when resolved, collection)

    async def _find(self, name: str, key: int, query: dict | None = None) -> bool:
        """One read: the serving collection is resolved at most every ``recheck_after`` seconds, and
        again before answering "no" (a replay may just have switched it)."""
        for again in (False, True):
            resolved = self._serving.get(name)
            if again or resolved is None or time.monotonic() - resolved[0] > self.recheck_after:
                resolved = self._serving[name] = (time.monotonic(), (await self.registry.active(name)).collection)
            collection = self.registry.database[resolved[1]]
            if await collection.find_one({"_id": key, **(query or {})}, projection={"_id": 1}) is not None:
                return True
        return False

    async def has_movie(self, movie_id: int) -> bool:
        return await self._find(MOVIES, movie_id)

    async def has_show(self, show_id: int) -> bool:
        return await self._find(SHOWS, show_id)

    async def existing(self, kind: str, ids: list[int]) -> frozenset[int]:
        if not ids:
            return frozenset()
        name = MOVIES if kind == "movie" else SHOWS
        collection = self.registry.database[(await self.registry.active(name)).collection]  # as of now: one read
        return frozenset([doc["_id"] async for doc in collection.find({"_id": {"$in": ids}}, projection={"_id": 1})])

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool:
        # Shows keep their episodes as "season:episode" keys of an "episodes" map.
        return await self._find(SHOWS, show_id, {f"episodes.{season}:{episode}": {"$exists": True}})
