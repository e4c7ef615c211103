"""Serving the web site: in this process, and in the extra web processes ``serve`` starts.

Every web process is a whole site (its projector, its catalog in memory, its model holder) on one
listening socket the kernel shares out between them; what they must agree on lives outside them:
the log and the read models in MongoDB, sessions and throttles in Redis, the model on disk.
"""
from __future__ import annotations

import contextlib
import socket

import uvicorn

from mybigmovie.bootstrap import Services
from mybigmovie.settings import Settings
from web.app import create_app


def register(subparsers) -> None:
    parser = subparsers.add_parser("web", help="one more web process on a socket it inherits (serve starts these)")
    parser.add_argument("--fd", type=int, required=True, help="the listening socket's file descriptor")
    parser.set_defaults(handler=run_web)


async def run_web(args, services: Services) -> int:
    await serve_web(services, services.settings, socket.socket(fileno=args.fd))
    return 0


def listening_socket(settings: Settings) -> socket.socket:
    """The site's socket, bound before any web process starts, for them all to accept on. Made from
    getaddrinfo's answer, so its protocol is IPPROTO_TCP: asyncio sets TCP_NODELAY only on the
    connections of such a socket (with protocol 0, a page of a few segments waited ~40 ms on the
    client's delayed ACK, measured with bench/web_bench.py)."""
    family, kind, protocol, _, address = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM,
                                                            flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def serve_web(running: Services, settings: Settings, sock: socket.socket | None = None) -> None:
    """Serve the site until stopped (Ctrl-C / SIGTERM), on ``sock`` or on ``settings.host:port``.

    The app's lifespan runs ``running.projector.run_forever()`` as a background task, so every
    command's events reach the read models (and read-your-writes holds) in this process; with
    several web processes each runs one, and the runner's compare-and-set keeps them exact.
    """
    app = create_app(lambda: contextlib.nullcontext(running), settings)
    # Throttles count per client network: behind a reverse proxy, its X-Forwarded-For must name the
    # client, and only a proxy named in the settings is believed (a visitor's own header never is).
    config = uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on",
                            proxy_headers=bool(settings.trusted_proxies),
                            forwarded_allow_ips=list(settings.trusted_proxies) or None,
                            server_header=False, log_level="info")
    await uvicorn.Server(config).serve(sockets=[sock] if sock else None)
