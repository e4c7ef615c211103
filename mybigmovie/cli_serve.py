"""``mybigmovie serve``: the whole site — web, projections, worker and scheduler — in one command."""
from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys

from mybigmovie.bootstrap import Services

# Background processes started beside the web server, when their packages are installed.
_COMPANIONS = {"worker": ["-m", "workers.run_worker"], "scheduler": ["-m", "workers.scheduler"]}


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve the site (web, worker and scheduler)")
    parser.add_argument("--no-workers", action="store_true", help="serve the web only")
    parser.set_defaults(handler=run_serve)


async def run_serve(args, services: Services) -> int:
    from mybigmovie.cli_catalog import seed_if_empty
    from mybigmovie.cli_web import serve_web

    await seed_if_empty(services)  # a fresh site opens full of real titles
    settings = services.settings
    mongodb_url = os.environ.get("MONGODB_URL") or services.client_url
    with contextlib.ExitStack() as stack:
        if not args.no_workers:
            for name, argv in _COMPANIONS.items():
                if importlib.util.find_spec(argv[1]) is not None:
                    stack.enter_context(_companion(name, argv, mongodb_url))
        print(f"MyBigMovie is serving at {settings.site_url}  (Ctrl+C stops it)", flush=True)
        await serve_web(services, settings)
    return 0


@contextlib.contextmanager
def _companion(name: str, argv: list[str], mongodb_url: str):
    # One BLAS thread: on a small machine, threads fight the web server for the cores (measured).
    env = {"OPENBLAS_NUM_THREADS": "1", **os.environ, "MONGODB_URL": mongodb_url}
    process = subprocess.Popen([sys.executable, *argv], env=env)
    print(f"started the {name} (pid {process.pid})", flush=True)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
