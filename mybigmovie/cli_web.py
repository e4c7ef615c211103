"""``mybigmovie serve``: the web site in this process, with the projector keeping read models current."""
from __future__ import annotations

import contextlib

import uvicorn

from mybigmovie.bootstrap import Services
from mybigmovie.settings import Settings
from web.app import create_app


async def serve_web(running: Services, settings: Settings) -> None:
    """Serve the site on ``settings.host:port`` until stopped (Ctrl-C / SIGTERM).

    The app's lifespan runs ``running.projector.run_forever()`` as a background task, so every
    command's events reach the read models (and read-your-writes holds) in this one process.
    """
    app = create_app(lambda: contextlib.nullcontext(running), settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on", proxy_headers=False,
                            server_header=False, log_level="info")
    await uvicorn.Server(config).serve()

