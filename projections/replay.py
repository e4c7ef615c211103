"""Rebuild read models from zero into new collections, and switch to them once they have caught up."""
from __future__ import annotations

import asyncio
from typing import Sequence

from commands.store import EventStore
from projections.registry import Generation, Registry
from projections.runner import Progress, Projection, catch_up

# Replay folds this many events in memory before writing: a user with 500 ratings in the history
# is then written once, not 500 times (the documents stay in memory between flushes).
_FLUSH_EVERY = 1_000_000
_PAGE_SIZE = 10_000
_SWITCH_ATTEMPTS = 20


async def replay(store: EventStore, registry: Registry, projections: Sequence[Projection],
                 progress: Progress | None = None) -> dict[str, Generation]:
    """Rebuild ``projections`` in one pass over the log. The site keeps serving the old generations
    until the new ones hold every event so far; then each is switched and its old collection dropped."""
    building = {p.name: await registry.next_generation(p.name) for p in projections}
    switched: dict[str, Generation] = {}
    building = await catch_up(store, registry, projections, building=building, page_size=_PAGE_SIZE,
                              flush_every=_FLUSH_EVERY, progress=progress)
    # Events appended during the rebuild: take them too, then switch. Anything later still is
    # picked up by the live runners, which continue from the switched checkpoints. A live runner
    # may carry the old generation past the new one between the two steps: then catch up again.
    replaced: list[str] = []
    for _ in range(_SWITCH_ATTEMPTS):
        building = await catch_up(store, registry, [p for p in projections if p.name in building],
                                  building=building, page_size=_PAGE_SIZE)
        for name, generation in list(building.items()):
            if (old := await registry.switch(generation)) is not None:
                replaced.append(old)
                del building[name]
                switched[name] = generation
        if not building:
            break
    else:
        raise RuntimeError(f"replay could not switch {sorted(building)}: the log keeps moving ahead of it")
    # A live runner may be mid-page on an old collection; give it a moment before dropping them.
    await asyncio.sleep(0.5)
    for collection in replaced:
        await registry.database.drop_collection(collection)
    return switched
