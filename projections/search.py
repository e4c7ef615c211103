"""The search index over movies and shows, and the query on it (``search``).

Served from memory, fed by ``projections.hot_catalog.HotCatalog`` from the movies and shows read
models. What a typed text asks for (title words, genres, a show's language, years) is read by
``projections.query_words.understand``; ``search`` scores how each title meets it. Measured on
nx-27017 0.8.1 over 24k movies, the index-only alternatives cannot meet 30 ms: ``$in`` on a
multikey "terms" array scans every document (70-320 ms), ``_id`` ranges scan (550 ms) and
``count_documents`` takes 1.5-2.7 s. In memory a query takes about a millisecond.
"""
from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import compress, islice

from commands.importers.text import fold, words
from projections.query_words import MAX_TEXT, MAX_WORD, MAX_WORDS, Part, Query, query_words, understand
from projections.views import listed

__all__ = ["MAX_TEXT", "MAX_WORD", "MAX_WORDS", "Hit", "SearchIndex", "SearchPage", "genre_key", "query_words",
           "search"]
MIN_FUZZY = 5  # shorter words must be typed right: one edit from a 4-letter word is another word
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_GENRE_ALIASES = {"sci-fi": "science-fiction", "children's": "children"}
EXACT, PREFIX, TYPO = 3, 2, 1  # what a typed word scores by how it matched a title word
# What an understood word scores when a title has what it means (see ``search``).
MEANT, BROWSED = 2, 4
_CROWD = 1000  # titles of one score past which walking the popular order beats ordering them


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
    language: str | None = None  # folded; shows only (TVmaze's), no movie source gives one


class SearchIndex:
    """Titles by folded word, genre key, language and year, in memory.
    ``projections.hot_catalog.HotCatalog`` keeps it current (``put``/``drop`` as the read models
    change); ``search`` below queries it."""

    def __init__(self) -> None:
        self.titles: dict[tuple[str, int], Hit] = {}
        self.postings: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self.by_meaning: dict[tuple[str, object], set[tuple[str, int]]] = defaultdict(set)  # ("genre", key)…
        self.order: dict[tuple[str, int], tuple[int, str]] = {}  # the popular order: (-popularity, title)
        self._vocabulary: list[str] | None = None
        self._ranked: list[tuple[int, str, tuple[str, int]]] | None = None

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = sorted(self.postings)
        return self._vocabulary

    def ranked(self) -> list[tuple[int, str, tuple[str, int]]]:
        """Every title as (-popularity, title, key), most popular first: sorted when first needed
        (~20 ms for 25k titles; flat tuples sort twice as fast as nested ones), then kept in order
        by ``put`` (an insertion costs a bisection and a move of pointers, not a sort)."""
        if self._ranked is None:
            self._ranked = sorted((*order, key) for key, order in self.order.items())
        return self._ranked

    def prefixed(self, prefix: str) -> list[str]:
        vocabulary = self.vocabulary()
        start = bisect.bisect_left(vocabulary, prefix)
        end = bisect.bisect_left(vocabulary, prefix + "\x7f", start)
        return vocabulary[start:end]

    def put(self, kind: str, document: dict) -> None:
        """Index a read-model document (or forget it, if it is not a listed title)."""
        key = (kind, document["_id"])
        self._remove(key)
        if not listed(document):
            return
        names = [document["title"], *(document.get("aka") or ())]
        hit = Hit(kind, document["_id"], document["title"], document.get("year"), tuple(document.get("genres", ())),
                  document.get("popularity") or 0, tuple(sorted({w for name in names for w in words(name)})),
                  frozenset(genre_key(g) for g in document.get("genres", ())),
                  fold(document.get("language") or "").strip() or None)
        self.titles[key] = hit
        self.order[key] = (-hit.popularity, hit.title)
        if self._ranked is not None:
            bisect.insort(self._ranked, (*self.order[key], key))
        for word in hit.words:
            self._vocabulary = None if word not in self.postings else self._vocabulary
            self.postings[word].add(key)
        for meaning in _meanings(hit):
            self.by_meaning[meaning].add(key)

    def _remove(self, key: tuple[str, int]) -> None:
        old, order = self.titles.pop(key, None), self.order.pop(key, None)
        if order is not None and self._ranked is not None:
            del self._ranked[bisect.bisect_left(self._ranked, (*order, key))]
        for word in old.words if old else ():
            self.postings[word].discard(key)
        for meaning in _meanings(old) if old else ():
            self.by_meaning[meaning].discard(key)

    def drop(self, kind: str) -> None:
        self._ranked = None  # sorted again when next needed, rather than thousands of deletions now
        for key in [k for k in self.titles if k[0] == kind]:
            self._remove(key)


def _meanings(hit: Hit) -> list[tuple[str, object]]:
    """What ``SearchIndex.by_meaning`` files a title under."""
    found: list[tuple[str, object]] = [("kind", hit.kind), *(("genre", key) for key in hit.genre_keys)]
    if hit.language:
        found.append(("language", hit.language))
    if hit.year is not None:
        found.append(("year", hit.year))
    return found


def edits(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
            | {a + c + b for a, b in splits for c in _ALPHABET})


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(index: SearchIndex, text: str = "", *, kind: str | None = None, genres: tuple[str, ...] = (),
           year_from: int | None = None, year_to: int | None = None, page: int = 1,
           per_page: int = 20) -> SearchPage:
    """Titles matching ``text`` and every filter given (``genres``: all of them; years inclusive).
    Best match first, then most popular. Only the first words of a long text count
    (``query_words.understand``), so a query costs a few milliseconds (the worst we found, "drama
    1800-2099", takes ~20 ms of CPU over 25k titles).

    Every title word must match: exactly, the last one possibly unfinished ("star wa"), words of
    five letters or more with one typo ("godfater"). A word ``understand`` reads as a genre,
    language or year matches a title that has what it means *or* has the word ("war": War films
    and "War of the Worlds"), taking the better score. Two cases, told apart by whether any plain
    title word was typed:

    - With title words ("family guy", "war of the worlds", "star wars 1977", "star war"), what a
      word means scores MEANT (2), below an exact title word (3): a typed title comes before
      titles that merely have the genre or the year, and the understood word matches titles as
      loosely as any title word (unfinished, a typo), so "star war" is still Star Wars.
    - Browsing, with nothing but genres, languages and years ("war", "horror 1980s", "2001"), a
      genre or language scores BROWSED (4), above a title having the word: War films first, then
      "War of the Worlds"; the words match titles exactly, not as a prefix or with a typo ("the
      70s war" is no "Star Wars"). A year stays MEANT: a number in a title is deliberate, so
      "2001" and "1917" find those films before the films of that year."""
    query = understand(text)
    wanted = {genre_key(g) for g in genres}
    within = index.by_meaning.get(("kind", kind), set()) if kind else None
    if query.words or query.parts:
        scores = _matches(index, _terms(query), query.unfinished, within)
    else:  # no text browses the filters; text without a word we index ("_", "日本") finds nothing
        scores = {} if text.strip() else dict.fromkeys(index.titles if within is None else within, 0)
    if wanted or year_from is not None or year_to is not None:
        scores = {key: score for key, score in scores.items() if _passes(index.titles[key], wanted, year_from, year_to)}
    start = (max(page, 1) - 1) * per_page
    best = _best(index, scores, start + per_page)
    return SearchPage([index.titles[key] for key in best[start:]], len(scores), page, per_page)


def _best(index: SearchIndex, scores: dict[tuple[str, int], int], count: int) -> list[tuple[str, int]]:
    """The first ``count`` titles of ``scores`` by score, then popularity. Only those need
    ordering, and a crowd of one score ("drama": thousands of titles) is not ordered at all: the
    popular order is walked until enough of them are met, about count × titles / crowd steps.
    Scores are sums of a few small numbers, so there are few of them; the titles of each are
    picked out by ``compress``, in C and without hashing a key again (a Python loop, or a
    lookup per title, would cost more than all the rest)."""
    best: list[tuple[str, int]] = []
    sizes = Counter(scores.values())
    for score in sorted(sizes, reverse=True):
        wanted = count - len(best)
        if wanted <= 0:
            break
        if sizes[score] > _CROWD:
            best += islice((entry[2] for entry in index.ranked() if scores.get(entry[2]) == score), wanted)
        else:
            crowd = list(compress(scores, map(score.__eq__, scores.values())))
            best += [key for _, key in heapq.nsmallest(wanted, zip(map(index.order.__getitem__, crowd), crowd))]
    return best


@dataclass(frozen=True)
class _Term:
    """What a title must match, one way or another: one of ``words`` or one of ``parts``' meanings."""
    words: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    meant: int = 0  # the score of matching by meaning
    loose: bool = True  # its words match title words with a typo, or unfinished, too


def _terms(query: Query) -> list[_Term]:
    """Title words, then each genre, then the languages together and the periods together (a title
    has one language and one year: "80s 90s" means either)."""
    browsing = not query.words
    terms = [_Term((word,)) for word in query.words]
    terms += [_Term((p.word,) * bool(p.word), (p,), BROWSED if browsing else MEANT, not browsing)
              for p in query.parts if p.kind == "genre"]
    for kind, meant in (("language", BROWSED if browsing else MEANT), ("years", MEANT)):
        if alike := [p for p in query.parts if p.kind == kind]:
            terms.append(_Term(tuple(p.word for p in alike if p.word), tuple(alike), meant, not browsing))
    return terms


def _matches(index: SearchIndex, terms: list[_Term], unfinished: str | None,
             within: set[tuple[str, int]] | None) -> dict[tuple[str, int], int]:
    """Titles matching every term, with their scores summed over the terms. After the first term
    only the titles still in the running are looked at (set intersections, which run in C), so a
    common word ("the") or genre ("drama") costs what those titles cost, not what its thousands of
    postings would. Only titles ``within`` count (None: all; else the titles of one kind, say)."""
    scores: dict[tuple[str, int], int] | None = None
    for term in terms:
        among = within if scores is None else scores.keys()
        meant = _meant(index, term.parts) if term.parts else set()
        found = dict.fromkeys(meant if among is None else among & meant, term.meant)
        spelt = (c for word in term.words for c in _spellings(index, word, term.loose, word == unfinished))
        for title_word, score in spelt:
            postings = index.postings.get(title_word, set())
            for key in postings if among is None else among & postings:
                if score > found.get(key, 0):
                    found[key] = score
        scores = found if scores is None else {k: s + found[k] for k, s in scores.items() if k in found}
        if not scores:
            return {}
    return scores or {}


def _spellings(index: SearchIndex, word: str, loose: bool, unfinished: bool) -> list[tuple[str, int]]:
    """The title words a typed word matches, with their scores: itself, and if ``loose`` what it
    begins (if it is the last word typed) and one typo away (if it is long enough)."""
    candidates = [(word, EXACT)]
    if loose and unfinished:
        candidates += [(w, PREFIX) for w in index.prefixed(word) if w != word]
    if loose and len(word) >= MIN_FUZZY:
        candidates += [(w, TYPO) for w in edits(word) if w in index.postings and len(w) >= MIN_FUZZY]
    return candidates


def _meant(index: SearchIndex, parts: tuple[Part, ...]) -> set[tuple[str, int]]:
    """Every title that has what one of ``parts`` means."""
    found: set[tuple[str, int]] = set()
    for part in parts:
        if part.kind == "years":
            meanings = [("year", year) for year in range(part.years[0], part.years[1] + 1)]
        else:
            meanings = [("genre" if part.kind == "genre" else "language", key) for key in part.keys]
        for meaning in meanings:
            found |= index.by_meaning.get(meaning, set())
    return found


def _passes(hit: Hit, genres: set[str], year_from: int | None, year_to: int | None) -> bool:
    if genres and not genres <= hit.genre_keys:
        return False
    if year_from is not None and (hit.year is None or hit.year < year_from):
        return False
    return year_to is None or (hit.year is not None and hit.year <= year_to)
