"""Password hashing (argon2id), bounded: at most as many hashes at once as there are cores.

argon2 is slow and memory-hard on purpose (~50 ms and 64 MiB each with the library's defaults,
RFC 9106's low-memory profile). Unbounded, a burst of log-ins would queue hundreds of hashes in
threads and exhaust memory; through the gate they run a few at a time, a bounded number wait, and
the rest are refused at once (Overloaded: the web answers 503 with Retry-After).
"""
from __future__ import annotations

import functools
import os

import anyio

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _no_account_hash() -> str:
    return _hasher.hash("no such account")


class Overloaded(Exception):
    """Too many password hashes running and waiting in this process: answer 503."""
    retry_after = 1


class HashGate:
    """At most ``limit`` argon2 operations at once in this process and at most ``queue`` waiting;
    anything beyond is refused at once, so a burst costs neither unbounded memory nor latency.
    Usage: ``async with gate: await anyio.to_thread.run_sync(hasher.verify, hash, password)``."""

    def __init__(self, limit: int | None = None, queue: int | None = None) -> None:
        self.limit = limit or os.cpu_count() or 1
        self.queue = 8 * self.limit if queue is None else queue
        self._slots = anyio.Semaphore(self.limit)
        self._admitted = 0  # running + waiting

    async def __aenter__(self) -> None:
        if self._admitted >= self.limit + self.queue:
            raise Overloaded(f"{self.limit} hashing and {self.queue} waiting")
        self._admitted += 1
        try:
            await self._slots.acquire()
        except BaseException:
            self._admitted -= 1
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._slots.release()
        self._admitted -= 1


class Passwords:
    def __init__(self, gate) -> None:
        self.gate = gate

    async def hash(self, password: str) -> str:
        async with self.gate:
            return await to_thread.run_sync(_hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``. With no stored hash (no such account) a hash is
        still checked, so an unknown address costs as much time as a wrong password."""
        async with self.gate:
            try:
                return await to_thread.run_sync(_hasher.verify, stored or _no_account_hash(), password) and bool(stored)
            except (VerificationError, InvalidHashError):
                return False
