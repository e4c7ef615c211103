"""Members as the pages need them, kept in the web process and dropped as their profiles change
(and, the same way, any other read model of one document per member: their API tokens).

A member's page needs their profile (ratings, marks, session epoch): one database read a page,
most of a page's cost on the embedded server. ``MemberCache`` keeps the ``Member`` read for each
user id and follows ``user_profiles`` the way ``HotCatalog`` follows the catalog: at most every
``max_staleness`` seconds it asks which profiles moved past the checkpoint it last saw (an index on
``_pos``) and drops those members; a replay that switches generations drops them all.

Each entry remembers the checkpoint known when it was read: the profile reflected at least every
event up to it. A member's own command passes its position (``at_least``): an entry older than
that is read again, so after a command their next page shows it in whichever web process serves
it (``web.deps`` keeps the position in the session). Changes made elsewhere (a password reset from
a link, "log out everywhere" on another device) reach every process within ``max_staleness`` (and
one look's round trips: a page does not queue behind another's look).
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Awaitable, Callable, Generic, TypeVar

from projections.registry import Registry
from projections.user_profiles import NAME as PROFILES

T = TypeVar("T")


class MemberCache(Generic[T]):
    """What ``get``'s reads give per user id, following ``read_model`` (a read model whose documents'
    ``_id`` is the user id; indexed on ``_pos``): by default the members themselves."""

    def __init__(self, registry: Registry, max_staleness: float = 0.5, size: int = 2000,
                 read_model: str = PROFILES) -> None:
        self.registry, self.max_staleness, self.size, self.read_model = registry, max_staleness, size, read_model
        self._members: OrderedDict[str, tuple[int, T]] = OrderedDict()  # id -> (as of checkpoint, what was read)
        self._seen: tuple[str, int] | None = None  # (collection, checkpoint) of the last look at the profiles
        self._checked, self._lock = 0.0, asyncio.Lock()
        self._looks = 0  # how many times _follow looked: a read that spans a look is not kept

    def __len__(self) -> int:
        return len(self._members)

    async def get(self, user_id: str, read: Callable[[], Awaitable[T | None]], at_least: int = 0) -> T | None:
        """What is kept for ``user_id`` if it reflects position ``at_least``, else ``read()``'s (kept
        unless None)."""
        await self._follow()
        kept = self._members.get(user_id)
        if kept is not None and kept[0] >= at_least:
            self._members.move_to_end(user_id)
            return kept[1]
        as_of = self._seen[1] if self._seen else 0  # read after this checkpoint: reflects at least it
        looks = self._looks
        member = await read()
        if member is None or looks != self._looks:  # a look meanwhile may have passed a change this read missed
            self._members.pop(user_id, None)
        else:
            self._members[user_id] = (as_of, member)
            self._members.move_to_end(user_id)
            if len(self._members) > self.size:
                self._members.popitem(last=False)
        return member

    def forget(self, user_id: str) -> None:
        self._members.pop(user_id, None)

    async def _follow(self) -> None:
        if time.monotonic() - self._checked <= self.max_staleness:
            return
        if self._lock.locked():  # another page is looking: go on rather than queue behind its round trips
            return
        async with self._lock:
            if time.monotonic() - self._checked <= self.max_staleness:  # one look for many waiting pages
                return
            generation = await self.registry.active(self.read_model)
            collection, seen = self._seen or (None, 0)
            if collection != generation.collection:
                self._members.clear()
            elif generation.checkpoint != seen and self._members:
                changed = self.registry.database[collection].find({"_pos": {"$gt": seen}}, projection={"_id": 1})
                async for profile in changed:
                    self._members.pop(profile["_id"], None)
            # The checkpoint, not the highest _pos read: only it promises everything before it is written.
            self._seen = (generation.collection, generation.checkpoint)
            self._checked, self._looks = time.monotonic(), self._looks + 1
