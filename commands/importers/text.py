"""Title handling shared by the importers and the search read model: normalising, parsing, keys.

MovieLens writes titles as "Godfather, The (1972)" and adds other titles in parentheses
("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"); joins without ids compare normalised
names, so "Amélie", "AMELIE" and "amelie" are one key.
"""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
_AKA = re.compile(r"\s*\(([^()]*)\)\s*$")
_ARTICLES = ("The", "A", "An", "Les", "Le", "La", "L'", "Il", "El", "Der", "Die", "Das", "Los", "Las", "I")
_TRAILING_ARTICLE = re.compile(r"^(.*), (" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")


def fold(text: str) -> str:
    """Lower case without accents: 'Amélie' -> 'amelie', 'Straße' -> 'strasse'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("&", " and ")


def words(text: str) -> list[str]:
    """The words of ``text`` as search and joins see them (folded, punctuation dropped)."""
    return _WORD.findall(fold(text))


def name_key(text: str) -> str:
    """One key per name, for joins without ids: 'The Office (US)!' -> 'the office us'."""
    return " ".join(words(text))


def front_article(title: str) -> str:
    """'Godfather, The' -> 'The Godfather'; "Homme, L'" -> "L'Homme"."""
    match = _TRAILING_ARTICLE.match(title.strip())
    if not match:
        return title.strip()
    article = match.group(2)
    return f"{article}{match.group(1)}" if article.endswith("'") else f"{article} {match.group(1)}"


def parse_movielens_title(raw: str) -> tuple[str, tuple[str, ...], int | None]:
    """'Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)' -> ('Amelie', ("Le Fabuleux…",), 2001)."""
    text, year = raw.strip(), None
    if match := _YEAR.search(text):
        year, text = int(match.group(1)), text[: match.start()]
    aka: list[str] = []
    while (match := _AKA.search(text)) and match.start() > 0:
        aka.insert(0, _clean_aka(match.group(1)))
        text = text[: match.start()]
    return front_article(text), tuple(a for a in aka if a), year


def _clean_aka(text: str) -> str:
    for prefix in ("a.k.a. ", "aka "):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    return front_article(text)


def title_variants(title: str, aka: tuple[str, ...] = ()) -> set[str]:
    """Name keys a title may be known by: itself, its other titles, the part before a colon."""
    variants = set()
    for name in (title, *aka):
        variants.add(name_key(name))
        if ":" in name:
            variants.add(name_key(name.split(":", 1)[0]))
    return variants - {""}
