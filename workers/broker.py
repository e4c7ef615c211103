"""The Dramatiq broker. Import this module before any actor module: actors bind to it.

Actors are ``async def`` and run on the AsyncIO middleware's event loop, so one MongoDB client per
worker process serves every actor call.
"""
from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from mybigmovie.settings import load_settings


def make_broker(redis_url: str, namespace: str = "mybigmovie") -> RedisBroker:
    broker = RedisBroker(url=redis_url, namespace=namespace)
    broker.add_middleware(AsyncIO())
    return broker


broker = make_broker(load_settings().redis_url, os.environ.get("MYBIGMOVIE_QUEUE_NAMESPACE", "mybigmovie"))
dramatiq.set_broker(broker)
