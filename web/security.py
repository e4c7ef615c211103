"""What keeps the site safe beyond Litestar's CSRF middleware: sessions whose id changes at log-in
and log-out, a throttle on failed log-ins, and the security headers on every response."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, Scope, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items
from redis.asyncio import Redis

_ROTATE = "mybigmovie.rotate_session"
_KNOWN_ID = "mybigmovie.known_session_id"
_NEW_ID = "mybigmovie.new_session_id"


def rotate_session(request: Request) -> None:
    """Give this session a new id when the response is sent (call it at log-in and log-out)."""
    request.scope[_ROTATE] = True  # type: ignore[typeddict-unknown-key]


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions with three changes that close session fixation and waste:
    an id the store does not know is never adopted, the id changes when asked (log-in, log-out),
    and a visitor with nothing in their session gets no session at all."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
            if data is not None:
                connection.scope[_KNOWN_ID] = session_id  # type: ignore[typeddict-unknown-key]
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection) -> str:
        scope: dict = connection.scope  # type: ignore[assignment]
        if scope.get(_KNOWN_ID) and not scope.get(_ROTATE):
            return scope[_KNOWN_ID]
        if _NEW_ID not in scope:
            scope[_NEW_ID] = self.generate_session_id()
        return scope[_NEW_ID]

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection) -> None:
        scope: dict = connection.scope  # type: ignore[assignment]
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        known, empty = scope.get(_KNOWN_ID), scope_session is Empty or not scope_session
        if known and (empty or scope.get(_ROTATE)):
            await self.delete(known, store=store)
        if empty:
            if connection.cookies.get(self.config.key):
                gone = Cookie(**{**params, "key": self.config.key, "value": "", "max_age": 0, "expires": 0})
                headers.add("Set-Cookie", gone.to_header(header=""))
            return
        session_id = self.get_session_id(connection)
        await self.set(session_id, self.serialize_data(scope_session, connection.scope), store=store)
        headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header=""))


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


class LoginThrottle:
    """At most ``limit`` failed log-ins per e-mail address and client address per ``window`` seconds,
    counted in Redis so every web process shares the count."""

    def __init__(self, redis: Redis, prefix: str, limit: int = 5, window: int = 15 * 60) -> None:
        self.redis, self.prefix, self.limit, self.window = redis, prefix, limit, window

    def _key(self, email: str, client: str) -> str:
        # Hashed, so Redis never holds the addresses themselves.
        return f"{self.prefix}:{hashlib.sha256(f'{email}|{client}'.encode()).hexdigest()}"

    async def blocked_for(self, email: str, client: str) -> int:
        """Seconds until this pair may try again; 0 when it may try now."""
        key = self._key(email, client)
        failures = int(await self.redis.get(key) or 0)
        return max(await self.redis.ttl(key), 1) if failures >= self.limit else 0

    async def failed(self, email: str, client: str) -> None:
        key = self._key(email, client)
        async with self.redis.pipeline(transaction=True) as pipe:
            # The window starts at the first failure and is not extended by later ones.
            await pipe.incr(key).expire(key, self.window, nx=True).execute()

    async def succeeded(self, email: str, client: str) -> None:
        await self.redis.delete(self._key(email, client))


def security_headers(https: bool):
    """A before-send hook adding the security headers to every response, errors and files included."""
    policy = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    fixed = {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
             "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
             "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}
    if https:
        fixed["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            for name, value in fixed.items():
                headers[name] = value
    return hook
