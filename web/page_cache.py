"""Whole pages kept per visitor and state, and filled in per request: the lists, a title's page, search.

A page like a member's /movies is a function of a few things only: the URL, htmx's part of it, the
language, the member as the read side holds them (ratings, marks, name), the catalog and the model
(and what it says of itself). While none of these moves, the page is the same text but for the
CSRF token and the forms' command ids. So the first request renders it with a marker in those places
(``web.fragments``: the same markers the cards use), keeps it split at them, and the next requests
join it with their own values: microseconds instead of the milliseconds of ordering 24k titles,
explaining 24 guesses and rendering ~100 templates.

Nothing is ever invalidated by hand; each entry remembers the state it was rendered in and is used
only while that state is the state now:

- the member is the very object the read side hands out (``projections.member_cache``): after their
  own command, or a change the read side followed, it is a new object, so read-your-writes holds;
- ``HotCatalog.version``, which moves on with any title, order or search entry;
- the model's version and ``Recommender.status()`` (a retraining's progress shows);
- ``vary``: whatever else a handler's page shows (the API tokens' last use on /me).

A visitor's page is shared by visitors; a member's is theirs alone (keyed by their user id, and only
used for the same member object). Entries are bounded in bytes, least recently used out.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Hashable

from jinja2 import Environment
from jinja2_fragments import render_block
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.template.base import csrf_token
from markupsafe import escape

from mybigmovie import i18n
from mybigmovie.recommendations import Recommender
from projections.read_side import ReadSide
from projections.views import Member
from web.fragments import marker, marking_command_ids, new_command_id, split
from web.rendering import HOLES_KEY, VARY, page, wants_fragment

MAX_BYTES = 32 * 1024 * 1024  # a member's list page is ~60 KB: some 500 pages a process


@dataclass(frozen=True, slots=True)
class _Kept:
    member: Member | None  # compared by identity: the read side's copy the page was rendered for
    state: tuple  # (catalog version, model version, model status, vary)
    parts: tuple[bytes, ...]  # text, hole, text, …: ``fragments.split``'s, encoded
    size: int


class PageCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: tuple, member: Member | None, state: tuple) -> tuple[bytes, ...] | None:
        kept = self._pages.get(key)
        if kept is None or kept.member is not member or kept.state != state:
            self.misses += 1
            return None
        self._pages.move_to_end(key)
        self.hits += 1
        return kept.parts

    def put(self, key: tuple, member: Member | None, state: tuple, parts: tuple[bytes, ...]) -> None:
        size = sum(map(len, parts)) + 200
        if size > self.max_bytes // 8:
            return
        if (old := self._pages.pop(key, None)) is not None:
            self._bytes -= old.size
        self._pages[key] = _Kept(member, state, parts, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            self._bytes -= self._pages.popitem(last=False)[1].size

    def clear(self) -> None:
        self._pages.clear()
        self._bytes = 0


async def cached_page(request: Request, template: str, *, member: Member | None,
                      context: Callable[[], Awaitable[dict[str, Any]]], block: str | None = None,
                      vary: Hashable = ()) -> Response:
    """``template`` (or its ``block`` for htmx, as ``rendering.page``) with what ``context()`` gives
    it, ``member`` among it: from the cache while the page's state is the same (see the module's
    docstring), else rendered, kept and sent. Only for a GET whose page is a 200."""
    cache, part = request.app.state.page_cache, block if block and wants_fragment(request) else None
    key, state = (template, part, *_where(request, member)), await _state(request, vary)
    parts = cache.get(key, member, state)
    if parts is None:
        variables = {**await context(), "member": member}
        found = split(_render_marked(request.app.template_engine.engine, request, template, part, variables))
        if found is None or not set(found[1::2]) <= {"csrf", "command_id"}:
            # The page's text holds the marker character of its own: rendered as usual, not kept.
            return page(request, template, block=block, **variables)
        parts = tuple(piece.encode() for piece in found)
        cache.put(key, member, state, parts)
    csrf = str(escape(csrf_token({"request": request}))).encode()
    body = b"".join(piece if index % 2 == 0 else csrf if piece == b"csrf" else new_command_id().encode()
                    for index, piece in enumerate(parts))
    return Response(content=body, media_type=MediaType.HTML, headers=VARY)


async def cached_body(request: Request, member: Member | None, encode: Callable[[], Awaitable[bytes]]) -> bytes:
    """What ``encode()`` gives for this URL and member (an API answer), kept like a page."""
    cache: PageCache = request.app.state.page_cache
    key, state = ("body", *_where(request, member)), await _state(request, ())
    if (kept := cache.get(key, member, state)) is None:
        kept = (await encode(),)
        cache.put(key, member, state, kept)
    return kept[0]


def _where(request: Request, member: Member | None) -> tuple:
    """Whose page, at which URL, in which language."""
    return (request.url.path, request.url.query, i18n.current(), member.user_id if member is not None else None)


async def _state(request: Request, vary: Hashable) -> tuple:
    """The state of all a page shows besides the member: the catalog's, the model's, ``vary``."""
    reads: ReadSide = request.app.state.services.reads
    recommender: Recommender = request.app.state.recommender
    return await reads.catalog_version(), recommender.version(), recommender.status(), vary


def _render_marked(env: Environment, request: Request, template: str, block: str | None,
                   variables: dict[str, Any]) -> str:
    """The page with the CSRF token's and every command id's marker in their places."""
    variables = {**variables, "request": request, "csrf_token": lambda: marker("csrf")}
    try:
        with marking_command_ids():
            if block:
                return render_block(env, template, block, **variables)
            return env.get_template(template).render(**variables)
    finally:
        request.scope.pop(HOLES_KEY, None)  # the cards' per-page values, worked out with the marker
