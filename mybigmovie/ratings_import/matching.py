"""Matching the rows of a ratings export to the catalog's movies and shows. Pure.

In order, the first rule that decides wins:

1. **IMDb id** (IMDb files): a movie by the IMDb id its listing carries (MovieLens' links), a show by
   its id, which is IMDb's (tt0903747 is show 903747).
2. **Name and year**: the row's title folded as search folds it (case, accents, punctuation, "&";
   "Godfather, The" is "The Godfather"), against each title's name and other names (AKA). One title
   of that name from the row's year matches; failing that one from a year either side (release
   years differ between sources); two or more is *ambiguous*, listed for the member to choose.
   Without a year in the row, a name only one title has matches; several are ambiguous.
3. **Looser names**, the same year rules: without a leading article, without what follows a colon or
   sits in brackets, words run together ("Spiderman"), and one typo in any word of four letters or
   more, all words of the title and no other, the whole name reading 85 % alike.
4. Otherwise *not in the catalog*, with the nearest names as suggestions. A title of the same name
   from another year is not a match: remakes share names ("Dune" 1984 and 2021).

``TitleMatcher`` is built once from the catalog's names (``projections.title_names``) and kept
while they do not change; ``match`` costs microseconds a row for rules 1-2.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Iterable

from commands.importers.text import front_article, words
from mybigmovie.ratings_import.formats import Row
from projections.search import edits
from projections.title_names import NamedTitle

TYPO_WORD = 4  # words this long may carry one typo; the whole name must still read 85 % alike
_ARTICLES = {"the", "a", "an", "le", "la", "les", "l", "il", "el", "der", "die", "das", "los", "las"}
_BRACKETS = re.compile(r"\s*[\(\[][^()\[\]]*[\)\]]")
_MOST_CANDIDATES = 6


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str  # "movie" or "show"
    id: int
    title: str
    year: int | None

    @property
    def choice(self) -> str:
        """How a form names it: "movie:123"."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Match:
    status: str  # "matched", "ambiguous", "missing" (not in the catalog) or "skipped"
    title: Candidate | None = None
    how: str = ""  # for a match: which rule found it
    why: str = ""  # otherwise: the reason, in words
    candidates: tuple[Candidate, ...] = ()  # ambiguous: the titles to choose from; missing: the nearest


@dataclass
class _Names:
    """The names of one kind of title, by key."""
    exact: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    loose: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # word -> name indexes
    names: list[tuple[tuple[str, ...], Candidate]] = field(default_factory=list)  # (words, title) per name


class TitleMatcher:
    def __init__(self, titles: Iterable[NamedTitle]) -> None:
        self.by_imdb: dict[str, Candidate] = {}
        self.by_id: dict[tuple[str, int], Candidate] = {}
        self.imdb_of: dict[Candidate, str] = {}
        self.kinds = {"movie": _Names(), "show": _Names()}
        for title in titles:
            candidate = Candidate(title.kind, title.id, title.title, title.year)
            self.by_id[(title.kind, title.id)] = candidate
            if title.imdb_id:
                self.imdb_of[candidate] = title.imdb_id
                if title.kind == "movie":
                    self.by_imdb[title.imdb_id] = candidate
            names = self.kinds[title.kind]
            for name in dict.fromkeys((title.title, *title.aka)):
                found = _words(name)
                if not found:
                    continue
                _add(names.exact, " ".join(found), candidate)
                for key in _loose_keys(name, found):
                    _add(names.loose, key, candidate)
                index = len(names.names)
                names.names.append((tuple(found), candidate))
                for word in set(found):
                    names.postings[word].add(index)
        self._vocabulary = {kind: frozenset(names.postings) for kind, names in self.kinds.items()}

    def __len__(self) -> int:
        return len(self.by_id)

    def match(self, row: Row) -> Match:
        if row.problem:
            return Match("skipped", why=row.problem)
        if row.stars is None:
            return Match("skipped", why="no rating in the file")
        if row.kind == "episode":
            return Match("skipped", why="an episode: rate episodes on the show's page")
        if row.kind == "other":
            return Match("skipped", why=f"a {row.type_label or 'title'}: the site has movies and TV shows only")
        kinds = ("show",) if row.kind == "show" else ("movie",) if row.kind == "movie" else ("movie", "show")
        if row.imdb_id:
            for kind in kinds:
                found = self.by_imdb.get(row.imdb_id) if kind == "movie" else \
                    self.by_id.get(("show", int(row.imdb_id[2:])))
                if found is not None:
                    return Match("matched", found, "IMDb id")
        near: list[Candidate] = []
        for kind in kinds:
            decided = self._by_name(row, kind, near)
            if decided is not None:
                return decided
        what = {"show": "TV show", "movie": "movie"}.get(row.kind, "title")
        return Match("missing", why=f"no {what} of this name{' from ' + str(row.year) if row.year else ''} in the "
                                    "catalog", candidates=tuple(dict.fromkeys(near))[:3])

    def _by_name(self, row: Row, kind: str, near: list[Candidate]) -> Match | None:
        names = self.kinds[kind]
        found = _words(row.title)
        if not found:
            return None
        key, loose = " ".join(found), _loose_keys(row.title, found)
        tiers = (("name", lambda: names.exact.get(key, [])),
                 ("other spelling", lambda: [c for k in (key, *loose) for c in names.loose.get(k, [])]
                  + [c for k in loose for c in names.exact.get(k, [])]),
                 ("close spelling", lambda: self._typos(names, kind, found)))
        for how, candidates in tiers:
            candidates = _unique(candidates())
            if row.imdb_id:  # a title the catalog knows under another IMDb id is another title
                other = [c for c in candidates if self.imdb_of.get(c, row.imdb_id) != row.imdb_id]
                near.extend(other)
                candidates = [c for c in candidates if c not in other]
            if candidates and (decided := _by_year(row, candidates, how)):
                if decided.status == "missing":
                    near.extend(decided.candidates)
                    continue
                return decided
        near.extend(self._nearest(names, found))
        return None

    def _typos(self, names: _Names, kind: str, found: list[str]) -> list[Candidate]:
        """Titles whose name has exactly the row's words (a leading article aside), each word as
        written or one edit away (words of four letters or more), and which reads close to it as a
        whole (85 %). The names holding the row's known words are the candidates; only when those are
        too many (or it has none) are its unknown words' one-edit spellings looked up as well."""
        vocabulary = self._vocabulary[kind]
        wanted = _core(found)
        known = sorted((w for w in set(wanted) if w in vocabulary), key=lambda w: len(names.postings[w]))
        matching: set[int] | None = None
        for word in known:  # the rarest first: the set shrinks fastest
            matching = set(names.postings[word]) if matching is None else matching & names.postings[word]
            if not matching:
                break
        if matching is None or len(matching) > 200:
            for word in (w for w in set(wanted) if w not in vocabulary):
                if len(word) < TYPO_WORD:
                    return []
                spellings = [w for w in edits(word) if w in vocabulary and len(w) >= TYPO_WORD]
                indexes = set().union(*(names.postings[w] for w in spellings))
                matching = indexes if matching is None else matching & indexes
                if not matching:
                    return []
        key = " ".join(wanted)
        close = []
        for i in sorted(matching or ()):
            name = _core(list(names.names[i][0]))
            if len(name) == len(wanted) and _alike(key, " ".join(name)) >= 0.85:
                close.append(names.names[i][1])
        return _unique(close)

    def _nearest(self, names: _Names, found: list[str]) -> list[Candidate]:
        """Suggestions for a row nothing matched: of the names holding its rarer words, those sharing
        most of its words (a third at least)."""
        wanted = set(_core(found))
        pool: set[int] = set()
        for word in wanted:
            if len(names.postings.get(word, ())) <= 400:
                pool |= names.postings.get(word, set())
        if not pool:
            return []
        def share(i: int) -> float:  # of the longer of the two names' words, how many both have
            name = names.names[i][0]
            return len(wanted.intersection(name)) / max(len(wanted), len(set(_core(list(name)))), 1)

        ranked = sorted(pool, key=lambda i: (-share(i), abs(len(names.names[i][0]) - len(wanted)), i))
        return [names.names[i][1] for i in ranked[:3] if share(i) > 0.3]


def _alike(a: str, b: str) -> float:
    """How alike two names read, 0 to 1 (difflib's ratio; its cheap upper bound first)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() if matcher.real_quick_ratio() >= 0.6 else 0.0


def _by_year(row: Row, candidates: list[Candidate], how: str) -> Match | None:
    """The year rules over the titles a name found: a Match, or ("missing" with the candidates as
    suggestions) when they are all from other years."""
    if row.year is None:
        if len(candidates) == 1:
            return Match("matched", candidates[0], f"{how}, the only title of that name (the file gives no year)")
        return Match("ambiguous", why=f"{len(candidates)} titles have this name and the file gives no year",
                     candidates=_ordered(candidates))
    for slack, said in ((0, "and year"), (1, "and year ±1")):
        close = [c for c in candidates if c.year is not None and abs(c.year - row.year) <= slack]
        if len(close) == 1:
            return Match("matched", close[0], f"{how} {said}")
        if len(close) > 1:
            return Match("ambiguous", why=f"{len(close)} titles have this name and year", candidates=_ordered(close))
    undated = [c for c in candidates if c.year is None]
    if len(undated) == 1 and len(candidates) == 1:
        return Match("matched", undated[0], f"{how} (the catalog gives no year)")
    return Match("missing", candidates=_ordered(candidates))


def _core(found: list[str]) -> list[str]:
    """A name's words without a leading article."""
    return found[1:] if len(found) > 1 and found[0] in _ARTICLES else found


def _words(name: str) -> list[str]:
    return words(front_article(name))


def _loose_keys(name: str, found: list[str]) -> set[str]:
    """Other keys a name may be written as (see the module docstring, rule 3)."""
    keys = set()
    if len(found) > 1 and found[0] in _ARTICLES:
        keys.add(" ".join(found[1:]))
    if ":" in name or " - " in name:
        head = words(front_article(re.split(r":| - ", name, maxsplit=1)[0]))
        if head and len(" ".join(head)) >= 4:
            keys.add(" ".join(head))
    if (bare := _BRACKETS.sub("", name)) != name and (bare_words := words(front_article(bare))):
        keys.add(" ".join(bare_words))
    if len(found) > 1:
        keys.add("".join(found))
    keys.discard(" ".join(found))
    return keys


def _add(table: dict[str, list[Candidate]], key: str, candidate: Candidate) -> None:
    if candidate not in table[key]:
        table[key].append(candidate)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    return list(dict.fromkeys(candidates))


def _ordered(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: (c.year or 0, c.title, c.id)))[:_MOST_CANDIDATES]
