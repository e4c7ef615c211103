"""Reads of the catalog for pages: a movie, a show with its seasons, popular titles, and search."""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from pymongo import DESCENDING

from projections.catalog_port import MOVIES, SHOWS
from projections.registry import Registry
from projections.search import MIN_FUZZY, Hit, SearchIndex, edits, genre_key, query_words
from projections.shows import label

EXACT, PREFIX, TYPO = 3, 2, 1  # what a typed word scores by how it matched a title word


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def search(index: SearchIndex, text: str = "", *, kind: str | None = None, genres: tuple[str, ...] = (),
                 year_from: int | None = None, year_to: int | None = None, page: int = 1,
                 per_page: int = 20) -> SearchPage:
    """Titles matching ``text`` — every word, the last one possibly unfinished ("star wa"), words of
    five letters or more with one typo ("godfater") — and every filter given (``genres``: all of
    them; years inclusive). Best match first, then most popular. Only the first words of a long
    text count (search.query_words), so no query costs more than a few milliseconds."""
    index = await index.fresh()
    typed = query_words(text)
    if len(typed) > 1 and len(typed[-1]) == 1:
        typed = typed[:-1]  # "star w": one letter narrows nothing yet
    wanted = {genre_key(g) for g in genres}
    if typed:
        scores = _matches(index, typed)
    else:  # no text browses the filters; text without a word we index ("_", "日本") finds nothing
        scores = {} if text.strip() else dict.fromkeys(index.titles, 0)
    hits = [index.titles[key] for key in scores if _passes(index.titles[key], kind, wanted, year_from, year_to)]
    start = (max(page, 1) - 1) * per_page
    # Only the pages up to this one need ordering: a one-letter query matches thousands of titles.
    ordered = heapq.nsmallest(start + per_page, hits,
                              key=lambda hit: (-scores[(hit.kind, hit.id)], -hit.popularity, hit.title))
    return SearchPage(ordered[start:], len(hits), page, per_page)


def _matches(index: SearchIndex, typed: list[str]) -> dict[tuple[str, int], int]:
    """Titles matching every typed word, with their scores summed over the words. After the first
    word only the titles still in the running are looked at (a set intersection), so a common word
    ("the") costs what those titles cost, not what its thousands of postings would."""
    scores: dict[tuple[str, int], int] | None = None
    for position, word in enumerate(typed):
        found: dict[tuple[str, int], int] = {}
        candidates = [(word, EXACT)]
        if position == len(typed) - 1:
            candidates += [(w, PREFIX) for w in index.prefixed(word) if w != word]
        if len(word) >= MIN_FUZZY:
            candidates += [(w, TYPO) for w in edits(word) if w in index.postings and len(w) >= MIN_FUZZY]
        for title_word, score in candidates:
            postings = index.postings.get(title_word, ())
            for key in postings if scores is None else scores.keys() & postings:
                found[key] = max(found.get(key, 0), score)
        scores = found if scores is None else {k: s + found[k] for k, s in scores.items() if k in found}
        if not scores:
            return {}
    return scores


def _passes(hit: Hit, kind: str | None, genres: set[str], year_from: int | None, year_to: int | None) -> bool:
    if kind and hit.kind != kind:
        return False
    if genres and not genres <= hit.genre_keys:
        return False
    if year_from is not None and (hit.year is None or hit.year < year_from):
        return False
    return year_to is None or (hit.year is not None and hit.year <= year_to)


async def movie(registry: Registry, movie_id: int) -> dict | None:
    return await (await _collection(registry, MOVIES)).find_one({"_id": movie_id, "listed": True})


async def show(registry: Registry, show_id: int) -> dict | None:
    """The show, with ``seasons[i]["episodes"]`` as lists of episodes in order, each with its ``label``."""
    document = await (await _collection(registry, SHOWS)).find_one({"_id": show_id, "listed": True})
    if document is None:
        return None
    by_season: dict[int, list[dict]] = {}
    for episode in sorted(document["episodes"].values(), key=lambda ep: (ep["season"], ep["number"])):
        by_season.setdefault(episode["season"], []).append({**episode, "label": label(episode)})
    document["seasons"] = [{**season, "episodes": by_season.get(season["number"], [])}
                           for season in document["seasons"]]
    return document


async def popular_movies(registry: Registry, genre: str | None = None, limit: int = 20, skip: int = 0,
                         by: str = "popularity") -> list[dict]:
    """Listed movies, most rated (``by="popularity"``) or best rated (``by="damped_mean"``) first."""
    query = {"listed": True, **({"genres": {"$in": [genre]}} if genre else {})}
    cursor = (await _collection(registry, MOVIES)).find(query)
    return await cursor.sort(by, DESCENDING).skip(skip).limit(limit).to_list()


async def _collection(registry: Registry, name: str):
    return registry.database[(await registry.active(name)).collection]
