"""Keeps every read model current: catches up on start, then follows the log as it grows."""
from __future__ import annotations

import asyncio
import logging

from commands.store import EventStore
from projections.registry import Registry
from projections.runner import Projection, catch_up

log = logging.getLogger(__name__)


class Projector:
    def __init__(self, store: EventStore, registry: Registry, projections: list[Projection]) -> None:
        self.store, self.registry, self.projections = store, registry, projections
        self._reached = 0
        self._progress = asyncio.Condition()

    async def run_once(self) -> int:
        """Bring every read model up to the head of the log; return the position all have reached."""
        generations = await catch_up(self.store, self.registry, self.projections)
        async with self._progress:
            reached = min((g.checkpoint for g in generations.values()), default=await self.store.head())
            self._reached = max(self._reached, reached)
            self._progress.notify_all()
        return self._reached

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        while True:
            try:
                reached = await self.run_once()
                await self.store.wait_for(reached, timeout=poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the site serving; the log says what broke
                log.exception("projection run failed; retrying")
                await asyncio.sleep(poll_seconds)

    async def wait_until(self, position: int, timeout: float = 2.0) -> bool:
        """Read-your-writes: wait (bounded) until every read model reflects ``position``."""
        try:
            async with self._progress:
                await asyncio.wait_for(self._progress.wait_for(lambda: self._reached >= position), timeout)
            return True
        except TimeoutError:
            return False
