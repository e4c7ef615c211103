"""Rebuild a read model from zero into a new collection, and switch to it once it has caught up."""
from __future__ import annotations

import asyncio

from commands.store import EventStore
from projections.registry import Generation, Registry
from projections.runner import Progress, Projection, catch_up

# Replay folds this many events in memory before writing: a user with 500 ratings in the history
# is then written a handful of times, not 500 times.
_FLUSH_EVERY = 250_000
_PAGE_SIZE = 5_000


async def replay(store: EventStore, registry: Registry, projection: Projection,
                 progress: Progress | None = None) -> Generation:
    """The site keeps serving the old generation until the new one holds every event so far."""
    building = await registry.next_generation(projection.name)
    building = await catch_up(store, registry, projection, building=building, page_size=_PAGE_SIZE,
                              flush_every=_FLUSH_EVERY, progress=progress)
    # Events appended during the rebuild: take them too, then switch. Anything later still is
    # picked up by the live runners, which continue from the switched checkpoint.
    building = await catch_up(store, registry, projection, building=building, page_size=_PAGE_SIZE)
    replaced = await registry.switch(building)
    # A live runner may be mid-page on the old collection; give it a moment before dropping it.
    await asyncio.sleep(0.5)
    await registry.database.drop_collection(replaced)
    return building
