"""Fragments rendered once and filled in per request: the cards and rating widgets of the lists.

A movie's card is the same for every visitor who stands in the same relation to it (anonymous, or
a member who rated it 4 stars and did not dismiss it): its title, links, community line and ten
radio buttons. Only a few values differ per request: the CSRF token, each form's command id, the
page to come back to, the card's rank. So a fragment is rendered by its template once, with a
marker in each of those places, kept split at the markers, and joined with this request's values.
A list of 24 cards then costs microseconds of string joining instead of milliseconds of Jinja.

The template stays the only description of the HTML: the cached fragment is its output, byte for
byte (``tests/web/test_fragments.py`` renders both ways and compares).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Hashable, Iterator

from jinja2 import Environment
from markupsafe import Markup, escape

from mybigmovie import i18n

_MARK = "\x00"
# The per-request holes. "command_id" is a new id at each place it appears: one per form. "guess_line" is
# markup of its own (what the model thinks of the title for this visitor, a fragment kept apart).
HOLES = ("csrf", "command_id", "back", "back_query", "rank", "guess_line")
# A marker names its hole after a secret of this process, so no title in the catalog can pose as one.
_SECRET = secrets.token_hex(8)
_MARKERS = {name: f"{_MARK}{_SECRET}:{name}{_MARK}" for name in HOLES}
_HOLE_OF = {marker.strip(_MARK): name for name, marker in _MARKERS.items()}


def _command_ids() -> Iterator[str]:
    """Fresh random command ids as UUID text (version 4: 122 random bits each), made 256 at a time
    from one read of the OS's random source: a list page fills in ~70 of them."""
    while True:
        block = bytearray(os.urandom(16 * 256))
        block[6::16] = bytes(b & 0x0F | 0x40 for b in block[6::16])  # version 4
        block[8::16] = bytes(b & 0x3F | 0x80 for b in block[8::16])  # RFC 4122 variant
        text = block.hex()
        for at in range(0, len(text), 32):
            x = text[at:at + 32]
            yield f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


# One stream per thread: a generator cannot be advanced by two threads at once.
_ids = threading.local()
# Set while a whole page is rendered to be kept (web/page_cache.py): every command id is a marker then.
_marking: ContextVar[bool] = ContextVar("mybigmovie.marking_command_ids", default=False)


def new_command_id() -> str:
    """A fresh random command id for a form (what ``str(uuid.uuid4())`` gives, a few times cheaper);
    the command id marker while ``marking_command_ids()``."""
    if _marking.get():
        return _MARKERS["command_id"]
    if (ids := getattr(_ids, "stream", None)) is None:
        ids = _ids.stream = _command_ids()
    return next(ids)


@contextlib.contextmanager
def marking_command_ids() -> Iterator[None]:
    """Within: ``new_command_id()`` (a template's, a kept fragment's) gives the marker, not an id."""
    token = _marking.set(True)
    try:
        yield
    finally:
        _marking.reset(token)


def marker(hole: str) -> str:
    """The text standing for ``hole`` (one of HOLES) in a rendering to be split by ``split``."""
    return _MARKERS[hole]


def split(text: str) -> tuple[str, ...] | None:
    """``text`` cut at its markers: (text, hole name, text, …, text); None when the text holds the
    marker character of its own (a title with a NUL in it): it cannot be kept then."""
    parts = text.split(_MARK)
    if len(parts) % 2 == 0 or any(part not in _HOLE_OF for part in parts[1::2]):
        return None
    parts[1::2] = [_HOLE_OF[part] for part in parts[1::2]]
    return tuple(parts)


def fill(parts: tuple[str, ...], holes: dict[str, str]) -> str:
    """``split``'s parts joined with this request's values: a fresh id for each "command_id", the
    others from ``holes`` (escaped: "guess_line" is ``Markup``, which escaping leaves as it is)."""
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(part)
        elif part == "command_id":
            out.append(new_command_id())
        else:
            out.append(str(escape(holes.get(part, ""))))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TitleState:
    """What a card shows of the visitor's own relation to a title."""

    signed_in: bool
    rating: float | None = None
    not_seen: bool = False
    not_interested: bool = False

    @classmethod
    def of(cls, member: Any, movie_id: int) -> "TitleState":
        if not member:
            return ANONYMOUS
        return cls(True, member.ratings.get(movie_id), movie_id in member.not_seen,
                   movie_id in member.not_interested)

    @classmethod
    def of_show(cls, member: Any, show_id: int, episode: tuple[int, int] | None = None) -> "TitleState":
        """The visitor's relation to a show, or to one of its episodes ((season, number)), which
        can only be rated (a show, not an episode, is put aside)."""
        if not member:
            return ANONYMOUS
        if episode:
            return cls(True, member.rating_of_show(show_id, episode))
        return cls(True, member.show_ratings.get(show_id), show_id in member.show_not_seen,
                   show_id in member.show_not_interested)


ANONYMOUS = TitleState(False)


class Fragments:
    """Templates rendered with markers, split and kept (least recently used out beyond ``size``)."""

    def __init__(self, env: Environment, size: int = 8192) -> None:
        self._env, self._size = env, size
        self._split: OrderedDict[tuple[str, Hashable, str], tuple[str, ...] | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._split)

    def render(self, template: str, key: Hashable, variables: dict[str, Any], holes: dict[str, str]) -> Markup:
        """``template`` rendered with ``variables`` (all of which ``key`` must stand for) and the
        request's ``holes`` ("csrf", "back", "rank": values as text, escaped here; "guess_line": ``Markup``).
        Kept per language: the same card reads differently in French."""
        cache_key = (template, key, i18n.current())
        parts = self._split.get(cache_key, False)
        if parts is False:
            parts = self._split[cache_key] = self._prepare(template, variables)
            if len(self._split) > self._size:
                self._split.popitem(last=False)
        else:
            self._split.move_to_end(cache_key)
        if parts is None:  # the text itself holds the marker character: rendered every time, never cached
            return self.render_once(template, variables, holes)
        return Markup(fill(parts, holes))

    def render_once(self, template: str, variables: dict[str, Any], holes: dict[str, str]) -> Markup:
        """``template`` rendered with this request's values in place, and not kept."""
        return Markup(self._env.get_template(template).render(
            **variables, csrf_token=lambda: holes["csrf"], new_command_id=new_command_id,
            back=holes["back"], back_query=holes["back_query"], rank=holes.get("rank", ""),
            guess_line=holes.get("guess_line", "")))

    def _prepare(self, template: str, variables: dict[str, Any]) -> tuple[str, ...] | None:
        return split(self._env.get_template(template).render(
            **variables, csrf_token=lambda: _MARKERS["csrf"], new_command_id=lambda: _MARKERS["command_id"],
            back=_MARKERS["back"], back_query=_MARKERS["back_query"], rank=_MARKERS["rank"],
            guess_line=_MARKERS["guess_line"]))
