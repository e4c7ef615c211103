"""The ``mybigmovie`` command line: serve, replay, audit, events (and the verbs other modules add)."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Awaitable, Callable

# A web process scores one member at a time: OpenBLAS's threads would only spin against the web
# server for the cores (measured on 2 cores: /movies as a member took 1.8 cores for 144 pages a
# second). Set before numpy loads; `train` keeps BLAS's threads.
if sys.argv[1:2] in (["serve"], ["web"]):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import uvloop  # noqa: E402

from domain.errors import DomainError  # noqa: E402
from mybigmovie import bootstrap  # noqa: E402
from mybigmovie.settings import load_settings  # noqa: E402

# Modules that add their own verbs with register(subparsers); each handler is run(args, services).
_PLUGINS = ("mybigmovie.cli_log", "mybigmovie.cli_catalog", "mybigmovie.cli_model", "mybigmovie.cli_serve",
            "mybigmovie.cli_web", "mybigmovie.cli_queues", "mybigmovie.cli_operators")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mybigmovie", description="MyBigMovie: movies and shows you will like.")
    subparsers = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    for name in _PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[..., Awaitable[int | None]] = args.handler
    settings = load_settings()
    try:
        with bootstrap.database_server(settings) as url:
            return uvloop.run(_run(handler, args, settings, url)) or 0  # libuv's loop: faster I/O
    except KeyboardInterrupt:
        return 130
    except (DomainError, RuntimeError, ValueError, OSError) as error:
        print(f"mybigmovie: {error}", file=sys.stderr)
        return 1


async def _run(handler, args, settings, url) -> int | None:
    async with bootstrap.services(settings, url) as services:
        return await handler(args, services)


if __name__ == "__main__":
    sys.exit(main())
