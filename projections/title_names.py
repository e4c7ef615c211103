"""Every listed title's names (title and other titles), year and IMDb id, in memory: what matching
imported ratings to the catalog needs (``mybigmovie.ratings_import``), and which the hot catalog's
``Title`` does not carry.

Loaded on first use and then kept current the way ``HotCatalog`` follows the movies and shows read
models: a refresh reads only the documents whose ``_pos`` moved past the checkpoint it last saw
(projected down to these few fields), and a replay that switched generations is loaded whole.
``version`` moves only when a name, year or id changed (ratings move a document's ``_pos`` too, and
must not throw away what is derived from the names).
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from projections.catalog_port import MOVIES, SHOWS
from projections.registry import Registry
from projections.views import listed

_KINDS = ((MOVIES, "movie"), (SHOWS, "show"))
_FIELDS = {"title": 1, "aka": 1, "year": 1, "imdb_id": 1, "listed": 1}


@dataclass(frozen=True, slots=True)
class NamedTitle:
    kind: str  # "movie" or "show"
    id: int
    title: str
    year: int | None = None
    aka: tuple[str, ...] = ()
    imdb_id: str | None = None  # "tt0111161"


class TitleNames:
    def __init__(self, registry: Registry, max_staleness: float = 0.5) -> None:
        self.registry, self.max_staleness = registry, max_staleness
        self.titles: dict[tuple[str, int], NamedTitle] = {}
        self.version = 0
        self._seen: dict[str, tuple[str, int]] = {}  # read model -> (collection, checkpoint loaded)
        self._checked, self._lock = 0.0, asyncio.Lock()

    @property
    def loaded(self) -> bool:
        return bool(self._seen)

    async def fresh(self) -> "TitleNames":
        """These names, refreshed first when the last refresh is older than ``max_staleness``."""
        if time.monotonic() - self._checked > self.max_staleness:
            async with self._lock:
                if time.monotonic() - self._checked > self.max_staleness:
                    await self._refresh()
        return self

    async def _refresh(self) -> None:
        for name, kind in _KINDS:
            generation = await self.registry.active(name)
            collection, seen = self._seen.get(name, (None, 0))
            if collection != generation.collection:  # first load, or a replay switched generations
                if any(key[0] == kind for key in self.titles):
                    self.titles = {key: title for key, title in self.titles.items() if key[0] != kind}
                    self.version += 1
                seen = 0
            if generation.checkpoint != seen or not seen:
                query = {"_pos": {"$gt": seen}} if seen else {}
                async for document in self.registry.database[generation.collection].find(query, _FIELDS):
                    self._put(kind, document)
            self._seen[name] = (generation.collection, generation.checkpoint)
        self._checked = time.monotonic()

    def _put(self, kind: str, document: dict) -> None:
        key = (kind, int(document["_id"]))
        old = self.titles.get(key)
        if not listed(document):
            if old is not None:
                del self.titles[key]
                self.version += 1
            return
        year = document.get("year")
        new = NamedTitle(kind, key[1], str(document["title"]), year if isinstance(year, int) else None,
                         tuple(str(a) for a in document.get("aka") or () if a),
                         document.get("imdb_id") if isinstance(document.get("imdb_id"), str) else None)
        if new != old:
            self.titles[key] = new
            self.version += 1


async def title_names(reads, max_staleness: float = 300.0) -> TitleNames:
    """The read side's ``TitleNames`` (``reads``: a ``projections.read_side.ReadSide``), made on first
    use and kept with it, at most ``max_staleness`` seconds behind the read models. Names change with a
    catalog import, not with ratings, while a refresh reads every document whose ratings moved: so not
    every half second, as the hot catalog does."""
    names = getattr(reads, "_title_names", None)
    if names is None:
        names = reads._title_names = TitleNames(reads.registry)
    names.max_staleness = max_staleness
    return await names.fresh()
