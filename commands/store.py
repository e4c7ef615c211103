"""The event-store port: what commands and projections need from the log, and nothing more."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from domain.errors import InvalidInput
from domain.events import EVENT_TYPES, Event


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event as committed: its global position (1, 2, 3… with no gaps) and its version in its stream."""

    position: int
    version: int
    event: Event


class EventStore(Protocol):
    async def append(self, stream: str, expected_version: int | None, events: Sequence[Event]) -> list[int]:
        """Commit ``events`` to ``stream`` all-or-nothing and return their global positions.

        ``expected_version`` is the stream's version the caller decided on (0 for a new stream,
        None to skip the check); a mismatch raises ConcurrencyError. A batch is known by its first
        event id: resending a committed batch returns the original positions, and a known first id
        with another payload raises DuplicateEventError.
        """

    async def read_stream(self, stream: str, since_version: int = 0) -> list[Recorded]:
        """The stream's events in order; with ``since_version``, only those of the commits that begin
        at that version or later. Pass a version an earlier read ended at (a commit boundary): a
        caller holding the state folded so far then reads only what is new."""

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        """Events with position > ``after``, in position order, at most ``limit`` of them."""

    async def head(self) -> int:
        """The last committed position (0 for an empty log)."""

    async def wait_for(self, after: int, timeout: float) -> bool:
        """Wait until an event with position > ``after`` is committed; False when ``timeout`` passed first."""

    async def positions_of(self, event_id: str) -> list[int] | None:
        """The positions of the committed batch whose first event is ``event_id``, or None."""


def check_batch(stream: str, events: Sequence[Event]) -> list[str]:
    """Validate a batch before anything is written; return its event ids."""
    if not events:
        raise InvalidInput("an append needs at least one event")
    ids = [event.event_id for event in events]
    if len(set(ids)) != len(ids):
        raise InvalidInput("a batch holds the same event id twice")
    for event in events:
        if type(event) not in EVENT_TYPES.values():
            raise InvalidInput(f"not a known event type: {type(event).__name__}")
        if event.stream != stream:
            raise InvalidInput(f"event {event.event_id} belongs to stream {event.stream!r}, not {stream!r}")
    return ids
