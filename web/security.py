"""What keeps the site safe beyond Litestar's CSRF middleware: sessions whose id changes at log-in
and log-out and that end after an absolute lifetime or with the member's "session epoch", a CSRF
token bound to the member's session, and the security headers on every response."""
from __future__ import annotations

import time
from dataclasses import dataclass
from secrets import compare_digest
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import generate_csrf_token
from litestar.response import Response
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, Scope, ScopeSession
from litestar.stores.base import Store
from litestar.utils.dataclass import extract_dataclass_items
from redis.asyncio import Redis

_ROTATE = "mybigmovie.rotate_session"
_KNOWN_ID = "mybigmovie.known_session_id"
_NEW_ID = "mybigmovie.new_session_id"
_LOADED = "mybigmovie.loaded_session"

SESSION_USER, SESSION_EPOCH, SESSION_SINCE, SESSION_CSRF = "user_id", "epoch", "since", "csrf"
SESSION_SEEN = "seen"  # the log position of the member's last command (web.deps)
IDLE_SECONDS = 7 * 24 * 3600  # a session unused this long ends (the store's expiry, renewed on use)
ABSOLUTE_SECONDS = 30 * 24 * 3600  # and any session ends this long after log-in, used or not
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cookie_name(name: str, https: bool) -> str:
    """``__Host-`` names over https: the browser then refuses the cookie unless it is Secure, for
    the whole site and set by this host itself (no sibling subdomain can plant it)."""
    return f"__Host-{name}" if https else name


def start_member_session(request: Request, response: Response, user_id: str, epoch: int) -> None:
    """Log ``user_id`` in: a new session id (an id planted before log-in is worth nothing) and a new
    CSRF token, bound to this session, set on ``response``."""
    rotate_session(request)
    token = generate_csrf_token(request.app.csrf_config.secret)
    request.set_session({SESSION_USER: user_id, SESSION_EPOCH: epoch, SESSION_SINCE: int(time.time()),
                         SESSION_CSRF: token})
    response.set_cookie(_csrf_cookie(request, token))


def end_session(request: Request, response: Response) -> None:
    """Log out: the session is deleted and the visitor gets a fresh anonymous CSRF token."""
    rotate_session(request)
    request.clear_session()
    response.set_cookie(_csrf_cookie(request, generate_csrf_token(request.app.csrf_config.secret)))


def session_user(request: Request) -> tuple[str, int] | None:
    """(user id, session epoch) of a member session still within its absolute lifetime, else None."""
    session = request.session if "session" in request.scope else {}
    user_id, since = session.get(SESSION_USER), session.get(SESSION_SINCE)
    if not isinstance(user_id, str) or not isinstance(since, int) or time.time() - since > ABSOLUTE_SECONDS:
        return None
    return user_id, session.get(SESSION_EPOCH)


async def csrf_bound_to_session(request: Request) -> None:  # async: a plain function would hop to a thread per request
    """A before-request hook: in a member's session, a form or htmx request must carry the CSRF
    token issued at that log-in (Litestar's middleware has already checked that the token in the
    form or header matches the cookie; this checks that the cookie is the session's own, so a
    token pair taken from another visitor is refused)."""
    if request.method not in UNSAFE or "session" not in request.scope or exempt_from_csrf(request):
        return
    bound = request.session.get(SESSION_CSRF)
    if request.session.get(SESSION_USER) is not None:
        sent = request.cookies.get(request.app.csrf_config.cookie_name) or ""
        if not isinstance(bound, str) or not compare_digest(sent, bound):
            raise PermissionDeniedException("CSRF token not bound to this session")


def exempt_from_csrf(request: Request) -> bool:
    """The route is one a mail client posts to (RFC 8058 one-click unsubscribe, ``exclude_from_csrf``
    on its handler): its signed link is the authority, there is no page, cookie or session to bind."""
    return bool(request.route_handler.opt.get(request.app.csrf_config.exclude_from_csrf_key))


def _csrf_cookie(request: Request, token: str) -> Cookie:
    config = request.app.csrf_config
    return Cookie(key=config.cookie_name, value=token, path=config.cookie_path, secure=config.cookie_secure,
                  httponly=config.cookie_httponly, samesite=config.cookie_samesite)


def rotate_session(request: Request) -> None:
    """Give this session a new id when the response is sent (call it at log-in and log-out)."""
    request.scope[_ROTATE] = True  # type: ignore[typeddict-unknown-key]


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions with four changes that close session fixation and waste:
    an id the store does not know is never adopted, the id changes when asked (log-in, log-out),
    a visitor with nothing in their session gets no session at all, and a session read and left
    unchanged is not written back (reading it renewed its expiry: ``renew_on_access``)."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
            if data is not None:
                connection.scope[_KNOWN_ID] = session_id  # type: ignore[typeddict-unknown-key]
                connection.scope[_LOADED] = data  # type: ignore[typeddict-unknown-key]
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
        data = self.serialize_data(scope_session, connection.scope)
        if not (session_id == known and data == scope.get(_LOADED)):
            await self.set(session_id, data, store=store)
            if session_id != known and isinstance(user_id := scope_session.get(SESSION_USER), str):
                await scope["app"].state.member_sessions.add(user_id, session_id)
        headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header=""))


class MemberSessions:
    """The sessions each member has logged in with, so that an account event ending them (a new
    password, "log out everywhere", deletion) deletes them from the store at once: no web process
    serves another page on them, whatever copy of the member it keeps in memory. (The session epoch
    checked on every page ends them too, as soon as a process reads the member again.)"""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis, self.namespace = redis, namespace

    async def add(self, user_id: str, session_id: str) -> None:
        key = f"{self.namespace}:{user_id}"
        async with self.redis.pipeline(transaction=False) as pipe:
            await pipe.sadd(key, session_id).expire(key, ABSOLUTE_SECONDS).execute()

    async def end_all(self, user_id: str, store: Store) -> None:
        key = f"{self.namespace}:{user_id}"
        for session_id in await self.redis.smembers(key):
            await store.delete(session_id.decode() if isinstance(session_id, bytes) else session_id)
        await self.redis.delete(key)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]
    renew_on_access: bool = True  # the idle expiry moves on as the session is read


def security_headers(https: bool):
    """A before-send hook adding the security headers to every response, errors and files included."""
    policy = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
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
            session = scope.get("session")
            if isinstance(session, dict) and session.get(SESSION_USER):
                headers["Cache-Control"] = "no-store"  # a member's page is theirs: no cache keeps a copy
    return hook
