"""One small handler per command: load the stream, decide, append with the expected version.

``CommandHandlers.handle`` returns the position of the last event appended (when the command changed
nothing, of the last event it decided on), which the web layer waits for before it renders
(read-your-writes).
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Callable, Protocol

from commands import messages as m
from commands.store import EventStore
from domain import accounts
from domain.accounts import Account, Stamp
from domain.errors import ConcurrencyError, InvalidInput

MIN_PASSWORD_LENGTH = 10


class Catalog(Protocol):
    """What commands need to know about titles: whether they exist."""

    async def has_movie(self, movie_id: int) -> bool: ...

    async def has_show(self, show_id: int) -> bool: ...

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool: ...


class CommandHandlers:
    def __init__(self, store: EventStore, catalog: Catalog, hash_password: Callable[[str], str],
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store, self.catalog, self.hash_password, self.clock = store, catalog, hash_password, clock

    async def handle(self, command: m.Command) -> int:
        handler = getattr(self, f"_{type(command).__name__}")
        return await handler(m.validated(command))

    async def _SignUp(self, c: m.SignUp) -> int:
        if len(c.password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters long.")
        password_hash = await asyncio.to_thread(self.hash_password, c.password)  # argon2 takes ~50 ms of CPU
        user_id = accounts.user_id_for(c.email)
        # A conflict here means the address was taken meanwhile: deciding again says so.
        return await self._run(c, user_id, lambda a, s: accounts.sign_up(a, s, c.email, c.display_name, password_hash))

    async def _RateMovie(self, c: m.RateMovie) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_movie(a, s, c.movie_id, c.rating, exists))

    async def _RemoveMovieRating(self, c: m.RemoveMovieRating) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.remove_movie_rating(a, s, c.movie_id))

    async def _MarkNotSeen(self, c: m.MarkNotSeen) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.set_not_seen(a, s, c.movie_id, c.marked, exists))

    async def _MarkNotInterested(self, c: m.MarkNotInterested) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(
            c, c.user_id, lambda a, s: accounts.set_not_interested(a, s, c.movie_id, c.marked, exists))

    async def _RateShow(self, c: m.RateShow) -> int:
        exists = await self.catalog.has_show(c.show_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_show(a, s, c.show_id, c.rating, exists))

    async def _RateEpisode(self, c: m.RateEpisode) -> int:
        exists = await self.catalog.has_episode(c.show_id, c.season, c.episode)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_episode(
            a, s, c.show_id, c.season, c.episode, c.rating, exists))

    async def _RecordPicksEmailed(self, c: m.RecordPicksEmailed) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.record_picks_emailed(a, s, c.occasion, c.movie_ids))

    async def handled(self, command_id: str) -> bool:
        """Whether a command with this id has already been recorded."""
        return await self.store.positions_of(Stamp.first_event_id(command_id)) is not None

    async def _run(self, command: m.Command, user_id: str, decide, attempts: int = 5) -> int:
        """Decide on fresh state and append; on a concurrent change, decide again on the newer state."""
        stream = accounts.stream_for(user_id)
        stamp = Stamp(stream, command.command_id, self.clock())
        for attempt in range(attempts):
            if done := await self.store.positions_of(Stamp.first_event_id(command.command_id)):
                return done[-1]  # the same command came before (a double-submitted form)
            history = await self.store.read_stream(stream)
            events = decide(Account.from_events(user_id, (r.event for r in history)), stamp)
            if not events:  # nothing to change: the state decided on is as of the stream's last event
                return history[-1].position if history else 0
            try:
                return (await self.store.append(stream, len(history), events))[-1]
            except ConcurrencyError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")
