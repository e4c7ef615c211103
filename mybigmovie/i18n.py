"""Languages: every word a person reads, in English (the source text) or French.

The French words are a gettext catalogue, ``mybigmovie/locale/fr/LC_MESSAGES/messages.po``, read
once per process when first needed (no compile step: a fresh clone has all it needs). Which
language a piece of code speaks is the *current locale*, a context variable: the web sets it per
request (web/locale.py), a worker around the e-mail it renders (``use``). Templates and Python
share the same ``gettext``, so a fragment rendered once and kept (web/fragments.py) must be kept
per locale.
"""
from __future__ import annotations

import contextlib
import enum
import io
from contextvars import ContextVar
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Iterator

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from domain import errors

LOCALE_DIR = Path(__file__).parent / "locale"


class Language(enum.StrEnum):
    """The languages the site speaks: a value from a form or a cookie is one of these, or refused."""

    EN = "en"
    FR = "fr"


DEFAULT = Language.EN
NAMES = {Language.EN: "English", Language.FR: "Français"}  # each in its own language


class _Chosen:
    """The locale of one request, a box its dependencies can change (the member's own choice is only
    known once the member is read, in a task of its own that shares the box, not the variable)."""

    __slots__ = ("language",)

    def __init__(self, language: Language) -> None:
        self.language = language


_current: ContextVar[_Chosen | None] = ContextVar("mybigmovie_locale", default=None)


def current() -> Language:
    """The language this code speaks now (English where nothing chose one)."""
    chosen = _current.get()
    return chosen.language if chosen is not None else DEFAULT


def begin(language: Language) -> None:
    """This task (a request) speaks ``language`` from now on; ``prefer`` can still change it."""
    _current.set(_Chosen(language))


def prefer(language: Language) -> None:
    """A better-founded choice for the rest of this request (the member's own preference)."""
    if (chosen := _current.get()) is not None:
        chosen.language = language
    else:
        begin(language)


@contextlib.contextmanager
def use(language: Language | str | None) -> Iterator[Language]:
    """Speak ``language`` inside the block (an e-mail for a member who chose it)."""
    token = _current.set(_Chosen(parse(language) or DEFAULT))
    try:
        yield current()
    finally:
        _current.reset(token)


def parse(value: object) -> Language | None:
    """``value`` as a language, or None when it is not one the site speaks (never trusted as is)."""
    try:
        return Language(value) if isinstance(value, str) else None
    except ValueError:
        return None


def negotiate(accept_language: str | None) -> Language | None:
    """The language an ``Accept-Language`` header asks for first among those spoken here."""
    wanted = []
    for part in (accept_language or "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, len(wanted), tag.strip().replace("_", "-")))
    found = Locale.negotiate([tag for _, _, tag in sorted(wanted)], list(Language), sep="-")
    return parse(str(found)) if found is not None else None


@cache
def translations(language: Language) -> NullTranslations:
    """The catalogue of ``language``, read and compiled in memory once (fuzzy entries left out)."""
    if language == Language.EN:
        return NullTranslations()
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    """``message`` in the current language ("" stays "": gettext would give the catalogue's header)."""
    return translations(current()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as meant in ``context`` (one English word, two meanings)."""
    return translations(current()).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    return message


_ = gettext
errors.translate = gettext  # a domain error reads in the language of whoever it is shown to


# --- numbers and dates in the current language's format ----------------------------------------

def number(n: int) -> str:
    """A whole number: 12,345 in English, 12 345 in French."""
    return numbers.format_decimal(n, locale=current())


def decimal(x: float, digits: int = 1) -> str:
    """``x`` with at most ``digits`` decimals: 4.5 in English, 4,5 in French."""
    return numbers.format_decimal(x, format="#,##0." + "#" * digits, locale=current())


def fixed(x: float, digits: int = 1) -> str:
    """``x`` with exactly ``digits`` decimals: 3.0 / 3,0."""
    return numbers.format_decimal(x, format="#,##0." + "0" * digits, locale=current())


def plural_n(x: float) -> int:
    """An ``n`` for ngettext that picks the plural form CLDR gives ``x`` in the current language
    (1.5 is plural in English, singular in French), for two-form languages like ours."""
    return 1 if Locale.parse(current()).plural_form(x) == "one" else 2


def stars(rating: float) -> str:
    """"4.5 stars", "1 star" / "4,5 étoiles", "1,5 étoile"."""
    return ngettext("%(stars)s star", "%(stars)s stars", plural_n(rating)) % {"stars": decimal(rating)}


def day_and_time(when: datetime, year: bool = False) -> str:
    """"2 Dec 18:04" / "2 déc. 18:04" (with ``year``: "2 Dec 2025 18:04"), in the time zone it carries."""
    return dates.format_datetime(when, "d MMM y HH:mm" if year else "d MMM HH:mm", tzinfo=when.tzinfo or timezone.utc,
                                 locale=current())


def day(when: date | datetime, format: str = "medium") -> str:
    """A date in the language's own way: "Dec 2, 2026" / "2 déc. 2026"."""
    return dates.format_date(when, format, locale=current())

