"""Which physical collection serves each read model, and how far into the log it has been built.

A read model's documents live in a generation-named collection (``user_profiles__3``). A replay
builds the next generation beside the live one and switches this pointer only once it has caught
up, so the site keeps serving throughout. Checkpoints are saved with a compare-and-set on the
collection name: a runner still writing the old generation after a switch changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError


@dataclass(frozen=True)
class Generation:
    name: str
    collection: str
    checkpoint: int


class Registry:
    def __init__(self, database: AsyncDatabase) -> None:
        self.database = database
        self._pointers = database["read_models"]
        self._indexed: set[str] = set()  # collections whose indexes this process has made

    async def collection_of(self, projection, generation: Generation) -> AsyncCollection:
        """The generation's collection, with the projection's indexes made: once per collection per
        process (asking again on every run cost a projector cycle ~8 ms of its ~30 on nx-27017)."""
        collection = self.database[generation.collection]
        if generation.collection not in self._indexed:
            await projection.create_indexes(collection)
            self._indexed.add(generation.collection)
        return collection

    async def active(self, name: str) -> Generation:
        """The generation serving ``name``; the first call creates generation 1, empty, at position 0."""
        pointer = await self._pointers.find_one({"_id": name})
        if pointer is None:
            # insert-or-lose rather than an upsert with $setOnInsert, which nx-27017 ignores
            try:
                await self._pointers.insert_one({"_id": name, "collection": f"{name}__1", "checkpoint": 0,
                                                 "generation": 1})
            except DuplicateKeyError:
                pass
            pointer = await self._pointers.find_one({"_id": name})
        return Generation(name, pointer["collection"], pointer["checkpoint"])

    async def active_all(self, names: list[str]) -> dict[str, Generation]:
        """``active`` for several read models in one round trip (a projector asks every cycle)."""
        found = {p["_id"]: Generation(p["_id"], p["collection"], p["checkpoint"])
                 async for p in self._pointers.find({"_id": {"$in": names}})}
        return {name: found[name] if name in found else await self.active(name) for name in names}

    async def save_checkpoints(self, advanced: list[Generation]) -> set[str]:
        """``save_checkpoint`` for several generations (each at its own ``checkpoint``) in one round
        trip; the names of those that still serve (asked again only when one did not match)."""
        if not advanced:
            return set()
        result = await self._pointers.bulk_write(
            [UpdateOne({"_id": g.name, "collection": g.collection, "checkpoint": {"$lt": g.checkpoint}},
                       {"$set": {"checkpoint": g.checkpoint}}) for g in advanced], ordered=False)
        if result.matched_count == len(advanced):
            return {g.name for g in advanced}
        serving = await self.active_all([g.name for g in advanced])
        return {g.name for g in advanced if serving[g.name].collection == g.collection}

    async def save_checkpoint(self, generation: Generation, position: int) -> bool:
        """Advance the checkpoint if ``generation`` still serves; False when a replay switched it away."""
        result = await self._pointers.update_one(
            {"_id": generation.name, "collection": generation.collection, "checkpoint": {"$lt": position}},
            {"$set": {"checkpoint": position}},
        )
        return result.matched_count == 1 or (await self.active(generation.name)).collection == generation.collection

    async def next_generation(self, name: str) -> Generation:
        """A new, empty collection name for a rebuild of ``name`` (not yet serving)."""
        await self.active(name)  # the pointer exists from here on
        pointer = await self._pointers.find_one_and_update(
            {"_id": name}, {"$inc": {"generation": 1}}, return_document=True
        )
        collection = f"{name}__{pointer['generation']}"
        await self.database.drop_collection(collection)
        self._indexed.discard(collection)
        return Generation(name, collection, 0)

    async def switch(self, built: Generation) -> str | None:
        """Make ``built`` serve; return the collection it replaced. None, and nothing changed, when
        the serving generation has meanwhile been carried past ``built``'s checkpoint by a live runner:
        switching then would serve a read model behind what a member was told is done (the caller
        catches ``built`` up and tries again)."""
        old = await self.active(built.name)
        result = await self._pointers.update_one(
            {"_id": built.name, "collection": old.collection, "checkpoint": {"$lte": built.checkpoint}},
            {"$set": {"collection": built.collection, "checkpoint": built.checkpoint}})
        return old.collection if result.matched_count == 1 else None
