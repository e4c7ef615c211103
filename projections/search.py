"""The search index over movies and shows (queries: projections/catalog_queries.search).

Served from memory, built from the movies and shows read models and kept current by reading only
the documents whose ``_pos`` moved (an ordinary index, on MongoDB and nx-27017 alike). Measured on
nx-27017 0.8.1 over 24k movies, the index-only alternatives cannot meet 30 ms: ``$in`` on a
multikey "terms" array scans every document (70-320 ms), ``_id`` ranges scan (550 ms) and
``count_documents`` takes 1.5-2.7 s. In memory a query takes about a millisecond.
"""
from __future__ import annotations

import asyncio
import bisect
import time
from collections import defaultdict
from dataclasses import dataclass

from commands.importers.text import fold, words
from projections.catalog_port import MOVIES, SHOWS
from projections.registry import Registry

MIN_FUZZY = 5  # shorter words must be typed right: one edit from a 4-letter word is another word
# What a query may ask for, counted after folding (which expands text: "ﬃ" is "ffi", "㎉" is "kcal").
# The longest title word is 23 letters and titles rarely have 8 words, so nobody searching a title
# meets them; they bound the work of a query (typos of a word cost ~72 lookups per letter).
MAX_WORDS, MAX_WORD, MAX_TEXT = 8, 40, 200
_RAW = 4 * MAX_TEXT  # folding is linear in its input: cut what is folded first, well past MAX_TEXT
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_GENRE_ALIASES = {"sci-fi": "science-fiction", "children's": "children"}
_FIELDS = {"title": 1, "aka": 1, "year": 1, "genres": 1, "popularity": 1, "listed": 1, "_pos": 1}


def genre_key(name: str) -> str:
    """One key per genre across vocabularies: 'Sci-Fi' and 'Science-Fiction' -> 'science-fiction'."""
    key = fold(name).strip()
    return _GENRE_ALIASES.get(key, key)


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "movie" or "show"
    id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    popularity: int
    words: tuple[str, ...] = ()  # folded, of the title and its other names
    genre_keys: frozenset[str] = frozenset()


class SearchIndex:
    """Titles by folded word, for one site. Build one per process and share it; ``fresh()`` keeps it
    current (a search may lag the read models by ``max_staleness`` seconds)."""

    def __init__(self, registry: Registry, max_staleness: float = 0.5) -> None:
        self.registry, self.max_staleness = registry, max_staleness
        self.titles: dict[tuple[str, int], Hit] = {}
        self.postings: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self._vocabulary: list[str] | None = None
        self._seen: dict[str, tuple[str, int]] = {}  # read model -> (collection, highest _pos loaded)
        self._checked, self._lock = 0.0, asyncio.Lock()

    async def fresh(self) -> "SearchIndex":
        """This index, refreshed first when its last refresh is older than ``max_staleness``."""
        if self._stale():
            async with self._lock:
                if self._stale():  # concurrent searches wait for one refresh, not one each
                    await self._refresh()
        return self

    async def refresh(self) -> None:
        """Load what changed in the movies and shows read models since the last refresh."""
        async with self._lock:
            await self._refresh()

    def _stale(self) -> bool:
        return time.monotonic() - self._checked > self.max_staleness

    async def _refresh(self) -> None:
        for name, kind in ((MOVIES, "movie"), (SHOWS, "show")):
            generation = await self.registry.active(name)
            collection, seen = self._seen.get(name, (None, 0))
            if collection != generation.collection:  # first load, or a replay switched generations
                self._drop(kind)
                seen = 0
            query = {"_pos": {"$gt": seen}} if seen else {}
            async for document in self.registry.database[generation.collection].find(query, _FIELDS):
                self._put(kind, document)
            # Not the highest _pos read: one flush writes its documents in no particular order, and
            # only the checkpoint promises that everything up to it is written.
            self._seen[name] = (generation.collection, generation.checkpoint)
        self._checked = time.monotonic()

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = sorted(self.postings)
        return self._vocabulary

    def prefixed(self, prefix: str) -> list[str]:
        vocabulary = self.vocabulary()
        start = bisect.bisect_left(vocabulary, prefix)
        end = bisect.bisect_left(vocabulary, prefix + "\x7f", start)
        return vocabulary[start:end]

    def _put(self, kind: str, document: dict) -> None:
        key = (kind, document["_id"])
        self._remove(key)
        if not document.get("listed") or not document.get("title"):
            return
        names = [document["title"], *(document.get("aka") or ())]
        hit = Hit(kind, document["_id"], document["title"], document.get("year"), tuple(document.get("genres", ())),
                  document.get("popularity") or 0, tuple(sorted({w for name in names for w in words(name)})),
                  frozenset(genre_key(g) for g in document.get("genres", ())))
        self.titles[key] = hit
        for word in hit.words:
            self._vocabulary = None if word not in self.postings else self._vocabulary
            self.postings[word].add(key)

    def _remove(self, key: tuple[str, int]) -> None:
        old = self.titles.pop(key, None)
        for word in old.words if old else ():
            self.postings[word].discard(key)

    def _drop(self, kind: str) -> None:
        for key in [k for k in self.titles if k[0] == kind]:
            self._remove(key)


def query_words(text: str) -> list[str]:
    """The words a query searches for: folded, each once (where it last appears, so the unfinished
    word stays last), each at most MAX_WORD letters, at most MAX_WORDS of them and MAX_TEXT letters
    in all. Bounded after folding, which can lengthen a text (one character can fold to 18)."""
    distinct = list(reversed(dict.fromkeys(reversed(words(text[:_RAW])))))
    kept, total = [], 0
    for word in (w[:MAX_WORD] for w in distinct[:MAX_WORDS]):
        total += len(word)
        if total > MAX_TEXT:
            break
        kept.append(word)
    return kept


def edits(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
            | {a + c + b for a, b in splits for c in _ALPHABET})
