"""What request handlers are given by dependency injection, and the few helpers they share."""
from __future__ import annotations

from typing import TYPE_CHECKING

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from commands.messages import Command
from domain.accounts import user_id_for
from domain.errors import InvalidInput
from web.queries import Member, Reads
from web.recommendations import Recommender
from web.security import LoginThrottle

if TYPE_CHECKING:
    from mybigmovie.bootstrap import Services

_hasher = PasswordHasher()
_dummy_hash: list[str] = []  # hashed once, on the first log-in for an unknown address
SESSION_USER = "user_id"


class LoginRequired(Exception):
    """The page or form is for members; the visitor is sent to log in and then back."""


async def _services(state: State) -> "Services":
    return state.services


async def _reads(services: "Services") -> Reads:
    return Reads(services.registry)


async def _recommender(state: State) -> Recommender:
    return state.recommender


async def _throttle(state: State) -> LoginThrottle:
    return state.throttle


async def _member(request: Request, reads: Reads) -> Member | None:
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    return await reads.member(user_id) if isinstance(user_id, str) else None


dependencies = {"services": Provide(_services), "reads": Provide(_reads), "recommender": Provide(_recommender),
                "throttle": Provide(_throttle), "member": Provide(_member)}


def require(member: Member | None) -> Member:
    if member is None:
        raise LoginRequired()
    return member


async def send(services: "Services", command: Command) -> None:
    """Send a command, then wait (at most 2 s) until the read models show it: read-your-writes."""
    position = await services.handlers.handle(command)
    if position:
        await services.projector.wait_until(position, timeout=2)


async def authenticate(reads: Reads, email: str, password: str) -> Member | None:
    """The member with this e-mail address and password, or None. An unknown address costs as
    much time as a wrong password, so timing does not tell which addresses have accounts."""
    try:
        member = await reads.member(user_id_for(email))
    except InvalidInput:
        member = None
    if member is None and not _dummy_hash:
        _dummy_hash.append(await to_thread.run_sync(_hasher.hash, "no such account"))
    stored = member.password_hash if member else _dummy_hash[0]
    try:
        await to_thread.run_sync(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return member
