"""Probes for whoever runs the site: is the process alive, and can it serve pages right now."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from litestar import Controller, Request, get
from litestar.response import Response

from mybigmovie.recommendations import trained_at
from web.deps import ReadsDep, RecommenderDep

PROBE_SECONDS = 2.0  # each dependency gets this long to answer a probe


class HealthController(Controller):
    @get("/healthz", name="healthz", exclude_from_csrf=True)
    async def alive(self) -> Response:
        """The process answers: the event loop turns. Says nothing of MongoDB or Redis."""
        return Response({"status": "alive"}, headers={"Cache-Control": "no-store"})

    @get("/readyz", name="readyz", exclude_from_csrf=True)
    async def ready(self, request: Request, reads: ReadsDep, recommender: RecommenderDep) -> Response:
        """200 when MongoDB and Redis answer, else 503; the model's age for information (without a
        model the site serves lists by popularity, so it is ready all the same)."""
        checks = {"mongodb": await _probe(reads.ping()), "redis": await _probe(request.app.state.redis.ping())}
        model = recommender.model()
        trained = trained_at(model.version) if model is not None else None
        body = {"status": "ready" if all(v == "ok" for v in checks.values()) else "unavailable", **checks,
                "model": None if model is None else {
                    "version": model.version,
                    "age_seconds": round((datetime.now(timezone.utc) - trained).total_seconds()) if trained else None}}
        return Response(body, status_code=200 if body["status"] == "ready" else 503,
                        headers={"Cache-Control": "no-store"})


async def _probe(check) -> str:
    try:
        await asyncio.wait_for(check, PROBE_SECONDS)
    except asyncio.TimeoutError:
        return f"no answer within {PROBE_SECONDS:g} s"
    except Exception as error:  # a probe reports what failed, it does not fail itself
        return f"{type(error).__name__}: {str(error)[:200]}"
    return "ok"
