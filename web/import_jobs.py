"""Ratings imports under way and their reports, in Redis: whichever web process serves the next
poll or the report page reads them (the import itself runs in the process that took the upload).

Per import, two keys that expire a day after the last change: its status (a small JSON object the
progress poll reads) and its report (one hash field per row of the file, so matching a row by hand
rewrites that row only); and per member, the id of their latest import and the ids of all their
imports of the day, so that deleting the account deletes every report at once (``forget``).
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from mybigmovie.ratings_import.plan import Outcome

KEEP_SECONDS = 24 * 3600
STALLED_SECONDS = 90  # a running import reports at least every few seconds; silent this long, it died


@dataclass(frozen=True)
class Status:
    id: str
    user_id: str
    source: str
    filename: str
    rows: int
    state: str  # "running", "done" or "failed"
    stage: str = "waiting"  # while running: "waiting", "matching", "saving", "updating"
    done: int = 0
    total: int = 0
    message: str = ""
    started: float = 0.0
    updated: float = 0.0
    seconds: float = 0.0
    settled: bool = True

    @property
    def stalled(self) -> bool:
        return self.state == "running" and time.time() - self.updated > STALLED_SECONDS

    @property
    def running(self) -> bool:
        return self.state == "running" and not self.stalled


class ImportJobs:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis, self.namespace = redis, namespace

    def _key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    @staticmethod
    def valid_id(job_id: str) -> bool:
        return len(job_id) == 32 and all(c in "0123456789abcdef" for c in job_id)

    async def create(self, user_id: str, source: str, filename: str, rows: int) -> Status:
        now = time.time()
        status = Status(secrets.token_hex(16), user_id, source, filename[:200], rows, "running", started=now,
                        updated=now)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(status.id, "status"), json.dumps(status.__dict__), ex=KEEP_SECONDS)
            pipe.set(self._key("latest", user_id), status.id, ex=KEEP_SECONDS)
            pipe.sadd(self._key("member", user_id), status.id)
            pipe.expire(self._key("member", user_id), KEEP_SECONDS)
            await pipe.execute()
        return status

    async def forget(self, user_id: str) -> None:
        """Every import of the member's, their status and report, gone (their account is deleted)."""
        jobs = [job.decode() for job in await self.redis.smembers(self._key("member", user_id))]
        await self.redis.delete(self._key("latest", user_id), self._key("member", user_id),
                                *(self._key(job, part) for job in jobs for part in ("status", "report")))

    async def status(self, job_id: str) -> Status | None:
        if not self.valid_id(job_id):
            return None
        raw = await self.redis.get(self._key(job_id, "status"))
        return Status(**json.loads(raw)) if raw else None

    async def latest(self, user_id: str) -> Status | None:
        job_id = await self.redis.get(self._key("latest", user_id))
        return await self.status(job_id.decode()) if job_id else None

    async def update(self, status: Status, **changes) -> Status:
        fresh = Status(**{**status.__dict__, **changes, "updated": time.time()})
        # xx: only while it exists; an import still running when its member was deleted writes nothing
        await self.redis.set(self._key(status.id, "status"), json.dumps(fresh.__dict__), ex=KEEP_SECONDS, xx=True)
        return fresh

    async def finish(self, status: Status, outcomes: list[Outcome], **changes) -> Status:
        key = self._key(status.id, "report")
        if not await self.redis.exists(self._key(status.id, "status")):  # forgotten meanwhile
            return status
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(key)
            for start in range(0, len(outcomes), 5000):
                pipe.hset(key, mapping={str(i): json.dumps(o.as_json())
                                        for i, o in enumerate(outcomes[start:start + 5000], start)})
            pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()
        return await self.update(status, state="done", **changes)

    async def outcomes(self, job_id: str) -> list[Outcome]:
        found = await self.redis.hgetall(self._key(job_id, "report"))
        ordered = sorted(((int(k), v) for k, v in found.items()), key=lambda pair: pair[0])
        return [Outcome.from_json(json.loads(v)) for _, v in ordered]

    async def outcome(self, job_id: str, index: int) -> Outcome | None:
        raw = await self.redis.hget(self._key(job_id, "report"), str(index))
        return Outcome.from_json(json.loads(raw)) if raw else None

    async def save_outcome(self, job_id: str, index: int, outcome: Outcome) -> None:
        key = self._key(job_id, "report")
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, str(index), json.dumps(outcome.as_json()))
            pipe.expire(key, KEEP_SECONDS)
            pipe.expire(self._key(job_id, "status"), KEEP_SECONDS)
            await pipe.execute()
