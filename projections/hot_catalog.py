"""The catalog held in memory by each process that serves pages: every listed movie and show (with
its seasons and episodes), the popular orders, the genres and the search index.

Pages make no database round trip for catalog data. The catalog follows the movies and shows read
models the way a projection follows the log: a refresh reads only the documents whose ``_pos``
moved past the checkpoint it last saw (an ordinary index on both MongoDB and nx-27017), and a
replay that switches generations is noticed and loaded whole. ``fresh()`` refreshes at most every
``max_staleness`` seconds, so catalog data on a page lags the log by that much (and a refresh's round
trips) at most; a member's own data (ratings, lists) never comes from here (see
``projections.read_side``).
"""
from __future__ import annotations

import asyncio
import logging
import time

import numpy as np

from projections.catalog_port import MOVIES, SHOWS
from projections.registry import Registry
from projections.search import SearchIndex
from projections.views import MovieFilter, Show, ShowFilter, Title, listed, popular_key

log = logging.getLogger(__name__)
_KINDS = ((MOVIES, "movie"), (SHOWS, "show"))
# Per-member figures a page never shows from here (they grow with the site).
_SKIPPED = {"movie": {"site_sum": 0}, "show": {"site_ratings": 0, "episode_site_ratings": 0}}


class HotCatalog:
    def __init__(self, registry: Registry, max_staleness: float = 0.5) -> None:
        self.registry, self.max_staleness = registry, max_staleness
        self.index = SearchIndex()
        self.movies: dict[int, Title] = {}
        self.shows: dict[int, Show] = {}
        self._sort_keys: dict[tuple[str, int], tuple] = {}
        # Derived on demand and dropped at every change: kind -> ids in the popular order; (kind,
        # filter) -> the matching titles in that order; ("genres", kind) -> every genre of that kind.
        self._orders: dict = {}
        self.version = 0  # moves on at every change: what is derived from the catalog is keyed by it
        self._seen: dict[str, tuple[str, int]] = {}  # read model -> (collection, checkpoint loaded)
        self._checked, self._lock = 0.0, asyncio.Lock()

    async def fresh(self) -> "HotCatalog":
        """This catalog, refreshed first when its last refresh is older than ``max_staleness``. While
        another page's refresh is under way, pages go on with the catalog as it is (older by one
        refresh's round trips at most) rather than queue behind it: a refresh is a few round trips,
        and every page of the process would wait for them."""
        if time.monotonic() - self._checked > self.max_staleness:
            if self._lock.locked() and self._seen:
                return self
            async with self._lock:
                if time.monotonic() - self._checked > self.max_staleness:  # one refresh for many waiting pages
                    await self._refresh()
        return self

    async def refresh(self) -> None:
        """Load what changed in the movies and shows read models since the last refresh."""
        async with self._lock:
            await self._refresh()

    async def _refresh(self) -> None:
        for name, kind in _KINDS:
            generation = await self.registry.active(name)
            collection, seen = self._seen.get(name, (None, 0))
            if collection != generation.collection:  # first load, or a replay switched generations
                self._drop(kind)
                seen = 0
            if generation.checkpoint != seen or not seen:
                query = {"_pos": {"$gt": seen}} if seen else {}
                async for document in self.registry.database[generation.collection].find(query, _SKIPPED[kind]):
                    self._put(kind, document)
            # The checkpoint, not the highest _pos read: one flush writes its documents in no
            # particular order, and only the checkpoint promises that everything up to it is written.
            self._seen[name] = (generation.collection, generation.checkpoint)
        self._checked = time.monotonic()

    def popular(self, kind: str) -> list[int]:
        """Every listed movie (or show) id, most popular first."""
        if kind not in self._orders:
            titles = self.movies if kind == "movie" else self.shows
            self._orders[kind] = sorted(titles, key=lambda i: self._sort_keys[(kind, i)])
        return self._orders[kind]

    def popular_matching(self, where: MovieFilter) -> list[Title]:
        """Every listed movie (or show, for a ``ShowFilter``) matching ``where``, most popular first
        (kept until the catalog changes)."""
        kind = "show" if isinstance(where, ShowFilter) else "movie"
        key = (kind, where)
        if where.genre and where.genre not in self.genres(kind):
            return []  # and not kept: only real genres are, so what is kept stays bounded
        if key not in self._orders:
            titles, everything = self.movies if kind == "movie" else self.shows, not (where.genre or where.decade)
            self._orders[key] = [titles[i] for i in self.popular(kind) if everything or where.matches(titles[i])]
        return self._orders[key]

    def ids_matching(self, where: MovieFilter) -> np.ndarray:
        """The ids of ``popular_matching(where)``, in its order, as an array (kept as it is)."""
        key = ("ids", type(where), where)
        if key not in self._orders:
            titles = self.popular_matching(where)
            self._orders[key] = np.fromiter((title.id for title in titles), dtype=np.int64, count=len(titles))
        return self._orders[key]

    def best_genre(self, title: Title) -> tuple[str, int] | None:
        """(genre, place): of the title's genres, the one where it stands highest in the popular
        order, and its place there (1 is first); None for a title without genres or not listed."""
        where = ShowFilter if title.kind == "show" else MovieFilter
        places = []
        for genre in title.genres:
            key = ("places", title.kind, genre)
            if key not in self._orders:
                self._orders[key] = {t.id: i for i, t in enumerate(self.popular_matching(where(genre)), 1)}
            if (place := self._orders[key].get(title.id)) is not None:
                places.append((place, genre))
        return (min(places)[1], min(places)[0]) if places else None

    def genres(self, kind: str = "movie") -> list[str]:
        """Every genre of the listed movies (or shows), in alphabetical order."""
        if ("genres", kind) not in self._orders:
            titles = self.movies if kind == "movie" else self.shows
            self._orders[("genres", kind)] = sorted({g for title in titles.values() for g in title.genres})
        return self._orders[("genres", kind)]  # type: ignore[return-value]

    def _put(self, kind: str, document: dict) -> None:
        key, titles = document["_id"], self.movies if kind == "movie" else self.shows
        self._orders.clear()
        self.version += 1
        self.index.put(kind, document)
        if not listed(document):
            titles.pop(key, None)
            self._sort_keys.pop((kind, key), None)
            return
        try:
            titles[key] = Title.from_document("movie", document) if kind == "movie" else Show.from_show_document(document)
            self._sort_keys[(kind, key)] = popular_key(document)
        except (TypeError, ValueError, KeyError):  # a document a buggy projection wrote: one title, not the site
            log.exception("%s %r in the read model cannot be read; it is left out", kind, key)
            titles.pop(key, None)
            self._sort_keys.pop((kind, key), None)

    def _drop(self, kind: str) -> None:
        (self.movies if kind == "movie" else self.shows).clear()
        self.version += 1
        self._sort_keys = {k: v for k, v in self._sort_keys.items() if k[0] != kind}
        self._orders.clear()
        self.index.drop(kind)
