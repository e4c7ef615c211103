"""What people type into search, read as words: title words, and the few other things a query may
say — genres ("comedy", "sci fi"), a show's language ("french"), years ("2014", "1980s", "'80s",
"the 70s", "1990-1995"). Pure: no index, no catalog (``understand``; ``projections.search`` matches).

The rules, each small enough to say on the page:

- A word is a genre or a language only by the tables below, which name genre keys the catalog
  holds (MovieLens and TVmaze vocabularies, see ``search.genre_key``); a year is 1800-2099, a
  decade a multiple of ten with an "s". Two-word phrases ("science fiction", "sci-fi", "90's",
  "the 70s") are read before single words. Everything else is a title word.
- Understood words still count as title words too ("war", "1917", "70s" in "That '70s Show"): a
  title matches such a word by what it means *or* by having the word (see ``search.search`` for
  the scores). Phrases and year ranges are only their meaning.
- Two genres both apply ("romantic comedy"); several periods or languages are alternatives
  ("80s 90s": either decade; "french korean": either language), since a title has one of each.
- Only shows carry a language (TVmaze's); movies have none in any source we import, so a language
  word finds movies by title only ("French Kiss"). There is no country anywhere: "british" stays
  a title word.
- Bounded like title words: the first ``_RAW`` characters are read, at most ``MAX_PARTS`` things
  are understood, and title words follow ``query_words``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from commands.importers.text import words

# What a query may ask for, counted after folding (which expands text: "ﬃ" is "ffi", "㎉" is "kcal").
# The longest title word is 23 letters and titles rarely have 8 words, so nobody searching a title
# meets them; they bound the work of a query (typos of a word cost ~72 lookups per letter).
MAX_WORDS, MAX_WORD, MAX_TEXT = 8, 40, 200
MAX_PARTS = 4  # genres, languages and periods understood in one query; each costs a pass over the matches
_RAW = 4 * MAX_TEXT  # folding is linear in its input: cut what is folded first, well past MAX_TEXT

# label: (genre keys, any of which it means; the words and "two_word" phrases that say it)
GENRES = {
    "Action": ({"action"}, "action"),
    "Adventure": ({"adventure"}, "adventure adventures"),
    "Animation": ({"animation", "anime"}, "animation animated anime cartoon cartoons"),
    "Comedy": ({"comedy"}, "comedy comedies"),
    "Crime": ({"crime"}, "crime"),
    "Documentary": ({"documentary"}, "documentary documentaries doc docs"),
    "Drama": ({"drama"}, "drama dramas"),
    "Family": ({"children", "family"}, "kids children family"),
    "Fantasy": ({"fantasy"}, "fantasy"),
    "Film noir": ({"film-noir"}, "noir film_noir filmnoir"),
    "Horror": ({"horror"}, "horror"),
    "Musical": ({"musical", "music"}, "musical musicals"),
    "Mystery": ({"mystery"}, "mystery mysteries"),
    "Romance": ({"romance"}, "romance romantic"),
    "Science fiction": ({"science-fiction"}, "scifi sci_fi science_fiction"),
    "Thriller": ({"thriller"}, "thriller thrillers"),
    "War": ({"war"}, "war"),
    "Western": ({"western"}, "western westerns"),
}
# word: the language as TVmaze names it, folded (what ``search.Hit.language`` holds)
LANGUAGES = {"french": "french", "japanese": "japanese", "korean": "korean", "german": "german",
              "italian": "italian", "spanish": "spanish", "hindi": "hindi", "indian": "hindi", "bollywood": "hindi"}
_MEANINGS = {said: ("genre", label, frozenset(keys)) for label, (keys, says) in GENRES.items() for said in says.split()}
_MEANINGS.update((said, ("language", language.title(), frozenset({language}))) for said, language in LANGUAGES.items())
_YEAR, _DECADE = re.compile(r"(1[89]|20)\d\d"), re.compile(r"(1[89]\d|20\d|\d)0s?")
_DROPPED = -2  # a token's owner when it said a part beyond MAX_PARTS (-1: a title word)
_RANGE = re.compile(r"\b((?:1[89]|20)\d\d)\s*[-\u2013]\s*((?:1[89]|20)\d\d)\b")


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a query was understood to ask for besides title words."""
    kind: str  # "genre", "language" or "years"
    label: str  # as the page shows it: "Comedy", "1980s", "French"
    keys: frozenset[str] = frozenset()  # genre keys (any of them) or folded language names
    years: tuple[int, int] = (0, 0)  # inclusive, for "years"
    word: str | None = None  # the one word that said it, a title word too; None for phrases and ranges


@dataclass(frozen=True)
class Query:
    """``understand``'s reading of a text: its parts, its title words, and how to drop a part."""
    parts: tuple[Part, ...]
    words: tuple[str, ...]  # title words, as ``query_words`` bounds them
    unfinished: str | None  # the last word typed, if a title word may match it (prefixes match it)
    pieces: tuple[str, ...] = ()  # the text cut at spaces
    tokens: tuple[tuple[str, int, int], ...] = ()  # (word, its piece, its part's index; -1: a title word)

    def without(self, part: int) -> str:
        """The text with what said ``parts[part]`` taken out: the link behind a chip's ×."""
        kept = []
        for index, piece in enumerate(self.pieces):
            mine = [(word, owner) for word, at, owner in self.tokens if at == index]
            if all(owner != part for _, owner in mine):
                kept.append(piece)
            else:
                kept.extend(word for word, owner in mine if owner != part)
        return " ".join(kept)


def query_words(text: str) -> list[str]:
    """The words a query searches for: folded, each once (where it last appears, so the unfinished
    word stays last), each at most MAX_WORD letters, at most MAX_WORDS of them and MAX_TEXT letters
    in all. Bounded after folding, which can lengthen a text (one character can fold to 18)."""
    return _bounded(words(text[:_RAW]), MAX_WORDS)


def _bounded(found: list[str], most: int) -> list[str]:
    distinct = list(reversed(dict.fromkeys(reversed(found))))
    kept, total = [], 0
    for word in (w[:MAX_WORD] for w in distinct[:most]):
        total += len(word)
        if total > MAX_TEXT:
            break
        kept.append(word)
    return kept


def understand(text: str) -> Query:
    """Read ``text`` as title words and at most MAX_PARTS parts (the module docstring has the rules)."""
    pieces = tuple(_RANGE.sub(r"\1-\2", text[:_RAW]).split())
    tokens = [(word, index) for index, piece in enumerate(pieces) for word in words(piece)]
    parts: dict[tuple[str, str], Part] = {}  # one each: "comedy comedies" is Comedy once
    owners, at = [-1] * len(tokens), 0
    while at < len(tokens):
        part, used = _read(tokens, at, pieces)
        if part and ((part.kind, part.label) in parts or len(parts) < MAX_PARTS):
            parts.setdefault((part.kind, part.label), part)
            owners[at:at + used] = [list(parts).index((part.kind, part.label))] * used
        elif part:
            owners[at:at + used] = [_DROPPED] * used  # understood, but past MAX_PARTS: not a title word either
        at += used
    found = tuple(parts.values())
    titled = _bounded([word for (word, _), owner in zip(tokens, owners) if owner == -1], MAX_WORDS - len(found))
    if titled and len(titled[-1]) == 1 and len(titled) + len(found) > 1:
        titled = titled[:-1]  # "star w": one letter narrows nothing yet
    if not tokens or owners[-1] == -1:
        unfinished = titled[-1] if titled else None
    else:
        unfinished = found[owners[-1]].word if owners[-1] != _DROPPED else None
    return Query(found, tuple(titled), unfinished, pieces,
                 tuple((word, index, owner) for (word, index), owner in zip(tokens, owners)))


def _read(tokens: list[tuple[str, int]], at: int, pieces: tuple[str, ...]) -> tuple[Part | None, int]:
    """The part that starts at ``tokens[at]`` and how many tokens it takes (1 and None: a title word)."""
    word, piece = tokens[at]
    following = tokens[at + 1][0] if at + 1 < len(tokens) else ""
    if match := _RANGE.fullmatch(pieces[piece]):
        low, high = sorted(map(int, match.groups()))
        return Part("years", f"{low}\u2013{high}", years=(low, high)), 2
    if f"{word}_{following}" in _MEANINGS:
        return _meaning(_MEANINGS[f"{word}_{following}"]), 2
    if word == "the" and (decade := _decade(following, tokens[at + 2][0] if at + 2 < len(tokens) else "")):
        return decade[0], 1 + decade[1]
    if decade := _decade(word, following):
        return decade
    if _YEAR.fullmatch(word):
        return Part("years", word, years=(int(word), int(word)), word=word), 1
    if word in _MEANINGS:
        return _meaning(_MEANINGS[word], word), 1
    return None, 1


def _meaning(meaning: tuple[str, str, frozenset[str]], word: str | None = None) -> Part:
    kind, label, keys = meaning
    return Part(kind, label, keys, word=word)


def _decade(word: str, following: str) -> tuple[Part, int] | None:
    """ "1980s", "80s" (from "'80s" too) or "80" + "s" (from "80's"): 30s-90s are the 1900s, 00s and
    10s the 2000s, "20s" the 1920s (say "2020s" for the other)."""
    spaced = not word.endswith("s")
    if not _DECADE.fullmatch(word) or (spaced and following != "s"):
        return None
    digits = word.rstrip("s")
    start = int(digits) if len(digits) == 4 else (2000 if digits in ("00", "10") else 1900) + int(digits)
    label = f"{start}s"
    return Part("years", label, years=(start, start + 9), word=None if spaced else word), 2 if spaced else 1
