"""The Dramatiq broker. Import this module before any actor module: actors bind to it.

Actors are ``async def`` and run on the AsyncIO middleware's event loop, so one MongoDB client per
worker process serves every actor call.

A worker that dies (SIGKILL, a lost machine) leaves the messages it held unacknowledged; Dramatiq's
queue maintenance gives them back once the worker has missed its heartbeats for
MYBIGMOVIE_QUEUE_HEARTBEAT_MS (Dramatiq's 60 s by default). Maintenance runs on a share of broker
commands (MYBIGMOVIE_QUEUE_MAINTENANCE_CHANCE per million, Dramatiq's 1,000 by default).
"""
from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_MAINTENANCE_CHANCE, RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from mybigmovie.queue_ops import KeepLastError
from mybigmovie.settings import load_settings


def make_broker(redis_url: str, namespace: str = "mybigmovie") -> RedisBroker:
    broker = RedisBroker(
        url=redis_url, namespace=namespace,
        heartbeat_timeout=int(os.environ.get("MYBIGMOVIE_QUEUE_HEARTBEAT_MS", DEFAULT_HEARTBEAT_TIMEOUT)),
        maintenance_chance=int(os.environ.get("MYBIGMOVIE_QUEUE_MAINTENANCE_CHANCE", DEFAULT_MAINTENANCE_CHANCE)))
    broker.add_middleware(AsyncIO())
    broker.add_middleware(KeepLastError())  # a dead letter shows the error it died of
    return broker


_settings = load_settings()
broker = make_broker(_settings.redis_url, _settings.queue_namespace)
dramatiq.set_broker(broker)
