"""The commands' Catalog port, answered from the movies and shows read models."""
from __future__ import annotations

from projections.registry import Registry

MOVIES, SHOWS = "movies", "shows"


class ReadModelCatalog:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def _find(self, name: str, key: int, query: dict | None = None) -> bool:
        collection = self.registry.database[(await self.registry.active(name)).collection]
        return await collection.find_one({"_id": key, **(query or {})}, projection={"_id": 1}) is not None

    async def has_movie(self, movie_id: int) -> bool:
        return await self._find(MOVIES, movie_id)

    async def has_show(self, show_id: int) -> bool:
        return await self._find(SHOWS, show_id)

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool:
        # Shows keep their episodes as "season:episode" keys of an "episodes" map.
        return await self._find(SHOWS, show_id, {f"episodes.{season}:{episode}": {"$exists": True}})
