"""One set of services per event loop of a worker process, opened on first use.

An AsyncMongoClient is bound to the loop it was created on: the actors run on the AsyncIO
middleware's loop, the scheduler on its own.
"""
from __future__ import annotations

import asyncio
import contextlib

from mybigmovie import bootstrap
from mybigmovie.bootstrap import Services
from mybigmovie.settings import load_settings

_services: dict[asyncio.AbstractEventLoop, Services] = {}
_stack = contextlib.ExitStack()
_open: list[contextlib.AsyncExitStack] = []  # held, or garbage collection would close the clients


async def services() -> Services:
    loop = asyncio.get_running_loop()
    if loop not in _services:
        settings = load_settings()
        url = _stack.enter_context(bootstrap.database_server(settings))
        stack = contextlib.AsyncExitStack()
        _open.append(stack)
        _services.setdefault(loop, await stack.enter_async_context(bootstrap.services(settings, url)))
    return _services[loop]


def forget() -> None:
    """Drop the cached services (tests point each test at a fresh database)."""
    _services.clear()
