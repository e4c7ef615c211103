"""Who is calling the API: the member whose personal token is in ``Authorization: Bearer …``, never
a session cookie (the API does not even load sessions, so CSRF has nothing to ride on: a request
that only carries the site's cookie is a 401). Each token has its own rate limit, in Redis so that
every web process counts the same requests."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers import BaseRouteHandler
from redis.asyncio import Redis

from projections.api_tokens import ApiToken
from projections.read_side import ReadSide
from projections.views import Member
from web.api.problems import ApiError
from web.api.tokens import matching, owner

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGE = 'Bearer realm="mybigmovie"'


@dataclass(frozen=True)
class Caller:
    member: Member
    token: ApiToken


async def authenticated(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A guard: it runs before the request's parameters and body are read, so a caller without a
    valid token learns nothing about them, and a request over the limit costs nothing more."""
    connection.state.api_caller = await _caller(connection, connection.app.state.services.reads,
                                                connection.app.state)


async def caller(request: Request) -> Caller:
    """The member calling (``authenticated`` found them)."""
    return request.state.api_caller


async def _caller(request: ASGIConnection, reads: ReadSide, state: State) -> Caller:
    """The member calling, by their token; 401 without a valid one, 403 for a read token that
    writes, 429 past the token's rate limit."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    user_id = owner(value.strip()) if scheme.lower() == "bearer" else None
    token = matching(value.strip(), await reads.api_tokens(user_id)) if user_id else None
    member = await reads.member(user_id) if token else None
    if token is None or member is None:
        raise ApiError(status_code=401, headers={"WWW-Authenticate": CHALLENGE},
                       detail="Send a personal API token (made on your page, /me) as 'Authorization: Bearer mbm_…'.")
    if wait := await state.api_limits.attempt(token.token_id):
        raise ApiError(status_code=429, headers={"Retry-After": str(wait)},
                       detail=f"This token has made {state.api_limits.limit} requests this minute; "
                              f"try again in {wait} s.")
    if request.scope["method"] not in SAFE and not token.writes:
        raise ApiError(status_code=403, headers={"WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope"'},
                       detail="This token may only read: make a read-write one on /me to change your ratings.")
    return Caller(member, token)


# KEYS: the token's counter, its last use. ARGV: limit, window (ms), now (s). Returns 0 or ms to wait.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[2]); redis.call('PEXPIRE', KEYS[1], ttl) end
  return ttl
end
redis.call('SET', KEYS[2], ARGV[3], 'EX', 7776000)
return 0
"""


class TokenLimits:
    """At most ``limit`` requests per token in a window of ``window`` seconds from its first, counted
    atomically in Redis; a token's last use is kept beside its count (shown on /me, 90 days)."""

    def __init__(self, redis: Redis, namespace: str, limit: int, window: float = 60.0) -> None:
        self.redis, self.namespace, self.limit, self.window = redis, namespace, limit, window
        self._count = redis.register_script(_COUNT)

    async def attempt(self, token_id: str) -> int:
        """Count one request: 0, or the seconds until the window ends (a refused request does not
        move the window's end, so a client that keeps trying is let in again on time)."""
        keys = [f"{self.namespace}:count:{token_id}", f"{self.namespace}:used:{token_id}"]
        wait_ms = int(await self._count(keys=keys, args=[self.limit, math.ceil(self.window * 1000), int(time.time())]))
        return max(1, math.ceil(wait_ms / 1000)) if wait_ms else 0

    async def last_used(self, token_ids: list[str]) -> dict[str, int]:
        """When each token was last used (unix seconds), for those used in the last 90 days."""
        if not token_ids:
            return {}
        found = await self.redis.mget([f"{self.namespace}:used:{token_id}" for token_id in token_ids])
        return {token_id: int(value) for token_id, value in zip(token_ids, found) if value is not None}
