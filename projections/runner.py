"""Feeds each projection the events after its checkpoint, so that every event takes effect once.

A projection is a pure fold, ``apply(document, event) -> document``, over the documents an event
touches (``keys(event)``). The runner loads those documents, folds in only the events newer than
the position stored in each document (``_pos``), and writes them back with a compare-and-set on
that position. A re-delivered event is therefore a no-op, a crash between a write and the
checkpoint is harmless (the checkpoint may lag, never lead), and two runners racing on the same
document cannot both win — on MongoDB and on nx-27017 alike, with no transaction.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable, Iterable, Protocol, Sequence

from pymongo import InsertOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from commands.store import EventStore, Recorded
from domain.events import Event
from projections.registry import Generation, Registry

Progress = Callable[[int, int], None]


class Projection(Protocol):
    name: str

    def keys(self, event: Event) -> Iterable[Hashable]:
        """The ids of the documents ``event`` changes (none for events this read model ignores)."""

    def apply(self, document: dict | None, event: Event, key: Hashable) -> dict:
        """The document after ``event``; pure (it may change and return ``document``)."""

    async def create_indexes(self, collection: AsyncCollection) -> None: ...


class Conflict(Exception):
    """Another runner changed a document first; the page is folded again from fresh documents."""


class Batch:
    """Documents being folded, written back together; remembers the position each was loaded at.

    A ``private`` batch builds a collection that was empty when it started and that nobody else
    writes (a replay's new generation): it never asks the database for a document, since the only
    ones there are those it wrote itself, and it keeps them across flushes (up to ``keep`` of them),
    so the log can stream in while it folds instead of waiting on a lookup every page.
    """

    def __init__(self, projection: Projection, collection: AsyncCollection, private: bool = False,
                 keep: int = 500_000) -> None:
        self.projection, self.collection, self.private, self.keep = projection, collection, private, keep
        self.documents: dict[Hashable, dict] = {}
        self.loaded_at: dict[Hashable, int | None] = {}
        self.written: set[Hashable] = set()  # private batches: keys flushed and no longer held

    async def fold(self, page: list[Recorded]) -> None:
        touched = [(key, recorded) for recorded in page for key in self.projection.keys(recorded.event)]
        await self._load({key for key, _ in touched} - self.documents.keys())
        # Folding is pure CPU: in a thread, the event loop meanwhile sends the next page's request
        # and takes in its reply, so the database works while this process folds. A live cycle's
        # few events fold faster than a thread hop takes, and pages wait behind neither.
        if len(touched) > 64:
            await asyncio.to_thread(self._apply, touched)
        else:
            self._apply(touched)

    def _apply(self, touched: list[tuple[Hashable, Recorded]]) -> None:
        for key, recorded in touched:
            document = self.documents.get(key)
            if document is not None and document["_pos"] >= recorded.position:
                continue  # applied before: re-delivery is a no-op
            document = self.projection.apply(document, recorded.event, key)
            document["_pos"] = recorded.position
            self.documents[key] = document

    async def _load(self, keys: set) -> None:
        wanted = keys & self.written if self.private else keys
        if wanted:
            async for document in self.collection.find({"_id": {"$in": list(wanted)}}):
                self.documents[document["_id"]] = document
                self.loaded_at[document["_id"]] = document["_pos"]
        for key in keys - self.loaded_at.keys():
            self.loaded_at[key] = None

    async def flush(self) -> None:
        writes: list[Any] = []
        for key, document in self.documents.items():
            before = self.loaded_at[key]
            if before == document["_pos"]:
                continue
            document = {**document, "_id": key}
            writes.append(InsertOne(document) if before is None else ReplaceOne({"_id": key, "_pos": before}, document))
        replaces = sum(isinstance(write, ReplaceOne) for write in writes)
        if not self.private:  # a conflict re-folds onto fresh documents, so none are held
            self.documents.clear(), self.loaded_at.clear()
        if writes:
            try:
                result = await self.collection.bulk_write(writes, ordered=False)
            except BulkWriteError as error:
                raise Conflict(str(error.details.get("writeErrors", [])[:1])) from None
            if result.matched_count != replaces:
                raise Conflict(f"{replaces - result.matched_count} documents changed under this runner")
        if self.private:
            self._hold_what_was_written()

    def _hold_what_was_written(self) -> None:
        if len(self.documents) <= self.keep:
            self.loaded_at = {key: document["_pos"] for key, document in self.documents.items()}
        else:
            self.written |= self.documents.keys()
            self.documents.clear(), self.loaded_at.clear()


@dataclass
class Lane:
    """One projection's part in a run over the log."""

    projection: Projection
    generation: Generation
    batch: Batch
    start: int  # the checkpoint the run began from: earlier events are already in

    def new(self, records: list[Recorded]) -> list[Recorded]:
        return records if not records or records[0].position > self.start else \
            [r for r in records if r.position > self.start]


async def catch_up(store: EventStore, registry: Registry, projections: Sequence[Projection], *,
                   building: dict[str, Generation] | None = None, page_size: int = 2000,
                   flush_every: int = 2000, progress: Progress | None = None) -> dict[str, Generation]:
    """Apply every event after each read model's checkpoint, reading the log once for all of them.

    Returns each read model's generation advanced to where it stopped. By default this advances the
    serving generations and saves their checkpoints after every flush. With ``building`` (a
    replay's new generations, which nobody else reads or writes) nothing is saved, and
    ``flush_every`` > ``page_size`` keeps documents in memory across pages, so a busy document is
    written once per flush rather than once per page.
    """
    lanes: dict[str, Lane] = {}
    serving = {} if building else await registry.active_all([p.name for p in projections])
    for projection in projections:
        generation = building[projection.name] if building else serving[projection.name]
        collection = await registry.collection_of(projection, generation)
        private = building is not None and generation.checkpoint == 0  # a new generation, still empty
        lanes[projection.name] = Lane(projection, generation, Batch(projection, collection, private),
                                      generation.checkpoint)
    done: dict[str, Generation] = {}
    head = await store.head() if progress or not lanes else 0  # a live cycle does without the round trip
    # Events since the last flush, kept to fold again after a conflict; private batches have none.
    refoldable = any(not lane.batch.private for lane in lanes.values())
    unflushed: list[Recorded] = []
    pending = 0

    async def commit() -> None:
        nonlocal unflushed, pending
        # Each read model is a collection of its own: their writes go out together, not one after
        # another (a member's command waits for this cycle: its round trips are their latency).
        await asyncio.gather(*(_flush(lane.batch, lane.new(unflushed)) for lane in lanes.values()))
        for lane in lanes.values():
            lane.generation = replace(lane.generation, checkpoint=unflushed[-1].position)
        if building is None:
            still = await registry.save_checkpoints([lane.generation for lane in lanes.values()])
            for name in [name for name in lanes if name not in still]:
                done[name] = await registry.active(name)  # a replay switched this generation away
                del lanes[name]
        unflushed, pending = [], 0

    after = min((lane.start for lane in lanes.values()), default=head)
    next_page = asyncio.ensure_future(store.read_all(after=after, limit=page_size))
    while lanes and (page := await next_page):
        # The next page is asked for while this one folds; after a short page the log's end is
        # reached (what came meanwhile is the next cycle's), and a live cycle saves the round trip.
        next_page = asyncio.ensure_future(store.read_all(after=page[-1].position, limit=page_size)
                                          if len(page) == page_size else _nothing())
        await asyncio.gather(*(lane.batch.fold(lane.new(page)) for lane in lanes.values()))  # reads together, too
        unflushed += page if refoldable else page[-1:]
        pending += len(page)
        if pending >= flush_every or len(page) < page_size:
            await commit()
        if progress:
            progress(page[-1].position, max(head, page[-1].position))
    next_page.cancel()
    if unflushed and lanes:
        await commit()
    return done | {name: lane.generation for name, lane in lanes.items()}


async def _nothing() -> list[Recorded]:
    return []


async def _flush(batch: Batch, unflushed: list[Recorded], attempts: int = 5) -> None:
    for _ in range(attempts):
        try:
            return await batch.flush()
        except Conflict:
            # Another runner got there first. What it wrote carries its positions, so folding the
            # same events again onto fresh documents applies only what is still missing.
            await batch.fold(unflushed)
    raise Conflict(f"gave up after {attempts} conflicting writes")
