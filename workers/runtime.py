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

_services: dict[asyncio.AbstractEventLoop, tuple[Services, contextlib.AsyncExitStack]] = {}
_stack = contextlib.ExitStack()


async def services() -> Services:
    loop = asyncio.get_running_loop()
    if loop not in _services:
        settings = load_settings()
        url = _stack.enter_context(bootstrap.database_server(settings))
        stack = contextlib.AsyncExitStack()  # held here: collected, it would close the client
        _services[loop] = (await stack.enter_async_context(bootstrap.services(settings, url)), stack)
    return _services[loop][0]


async def close_all() -> None:
    """Close every loop's services, each on its own loop (tests point each test at a fresh database)."""
    current = asyncio.get_running_loop()
    for loop, (_, stack) in list(_services.items()):
        if loop is current:
            await stack.aclose()
        elif loop.is_running():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(stack.aclose(), loop))
    _services.clear()
