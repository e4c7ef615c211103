"""Historical ratings in the log: one HistoricalRatingsImported event per few thousand ratings.

A source's batches go to its own stream (``history-ml-latest-small``) in file order, batch ``i`` at
stream version ``i``. Batch ids are uuid5 of the source, the batch number and the packed content,
so re-importing a file skips the batches already there (one indexed lookup each), and a source
whose file changed since its import fails on the expected version instead of being counted twice.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

import numpy as np

from commands.importers.records import Ratings
from commands.store import EventStore
from domain.errors import ConcurrencyError
from domain.events import HistoricalRatingsImported

BATCH = 5000
_IDS = uuid.UUID("6f1f7d3a-93b4-4b8e-8d2e-2f0b8e9a4c51")


class SourceChanged(Exception):
    """The log holds a different import of this source (its file changed): nothing more is appended."""


@dataclass
class HistoryResult:
    source: str
    appended: int = 0  # ratings
    present: int = 0  # ratings already in the log
    events: int = 0  # batches appended


def history_stream(source: str) -> str:
    return f"history-{source}"


def batches(ratings: Ratings, size: int = BATCH) -> Iterator[HistoricalRatingsImported]:
    """The source's ratings as events of ``size`` ratings, with ids derived from their content."""
    stream, now = history_stream(ratings.source), datetime.now(timezone.utc)
    for number, start in enumerate(range(0, len(ratings), size)):
        part = slice(start, start + size)
        packed = dict(users=_pack(ratings.users[part], "<i4"), movies=_pack(ratings.movies[part], "<i4"),
                      half_stars=_pack(ratings.half_stars[part], "u1"),
                      timestamps=_pack(ratings.timestamps[part], "<u4"))
        digest = hashlib.sha256(f"{ratings.source}|{number}|{ratings.synthetic}|".encode())
        for value in packed.values():
            digest.update(value)
        yield HistoricalRatingsImported(event_id=str(uuid.uuid5(_IDS, digest.hexdigest())), stream=stream,
                                        occurred_at=now, source=ratings.source, batch=number,
                                        synthetic=ratings.synthetic, **packed)


async def append_history(store: EventStore, ratings: Ratings, size: int = BATCH,
                         progress: Callable[[int], None] = lambda n: None) -> HistoryResult:
    """Append the batches the log does not hold yet; raise SourceChanged if it holds others."""
    result = HistoryResult(ratings.source)
    for event in batches(ratings, size):
        if await store.positions_of(event.event_id) is None:
            try:
                await store.append(event.stream, event.batch, [event])
            except ConcurrencyError:
                raise SourceChanged(
                    f"{event.stream} holds a different import of {ratings.source!r} from batch {event.batch} "
                    f"on (did its file change?); {result.appended:,} ratings were appended before it") from None
            result.appended += event.count
            result.events += 1
        else:
            result.present += event.count
        progress(event.count)
    return result


def _pack(values: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(values, dtype=dtype).tobytes()
