"""The socket ``serve`` binds for several web processes: its connections must get TCP_NODELAY, as
those of a socket uvicorn binds itself do (without it, a page of a few TCP segments waits ~40 ms
for the client's delayed ACK)."""
from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

from mybigmovie.cli_web import listening_socket


async def test_connections_on_the_shared_socket_are_sent_without_delay():
    sock = listening_socket(SimpleNamespace(host="127.0.0.1", port=0))
    accepted: asyncio.Future = asyncio.get_running_loop().create_future()

    async def on_connection(reader, writer) -> None:
        accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connection, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
