"""What request handlers are given by dependency injection, and the few helpers they share."""
from __future__ import annotations

import functools
from typing import Any, Callable

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from commands.messages import Command
from domain.accounts import user_id_for
from domain.errors import DomainError, InvalidInput
from mybigmovie.bootstrap import Services
from mybigmovie.recommendations import Recommender
from web.forms import parse_form
from web.queries import Reads
from web.security import LoginThrottle
from web.views import Member

# What a handler or provider asks for by name; declared so Litestar does not have to guess.
ServicesDep = NamedDependency[Services]
ReadsDep = NamedDependency[Reads]
MemberDep = NamedDependency[Member | None]
RecommenderDep = NamedDependency[Recommender]
ThrottleDep = NamedDependency[LoginThrottle]

_hasher = PasswordHasher()
SESSION_USER = "user_id"


class LoginRequired(Exception):
    """The page or form is for members; the visitor is sent to log in and then back."""


async def _services(state: State) -> Services:
    return state.services


async def _reads(services: ServicesDep, state: State) -> Reads:
    return Reads(services.registry, state.search_index)


async def _recommender(state: State) -> Recommender:
    return state.recommender


async def _throttle(state: State) -> LoginThrottle:
    return state.throttle


async def _member(request: Request, reads: ReadsDep) -> Member | None:
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    return await reads.member(user_id) if isinstance(user_id, str) else None


dependencies = {"services": Provide(_services), "reads": Provide(_reads), "recommender": Provide(_recommender),
                "throttle": Provide(_throttle), "member": Provide(_member)}


def require(member: Member | None) -> Member:
    if member is None:
        raise LoginRequired()
    return member


async def send(services: Services, command: Command) -> None:
    """Send a command, then wait (at most 2 s) until the read models show it: read-your-writes."""
    position = await services.handlers.handle(command)
    if position:
        await services.projector.wait_until(position, timeout=2)


async def submit(request: Request, services: Services, member: Member, form_type: type,
                 command: Callable[[Any, str], Command]) -> str | None:
    """A member's form turned into a command and sent; the domain's objection in words, or None."""
    try:
        await send(services, command(await parse_form(request, form_type), member.user_id))
    except DomainError as problem:
        return str(problem)
    return None


@functools.cache
def _no_account_hash() -> str:
    return _hasher.hash("no such account")


async def authenticate(reads: Reads, email: str, password: str) -> Member | None:
    """The member with this e-mail address and password, or None. An unknown address costs as
    much time as a wrong password, so timing does not tell which addresses have accounts.
    Argon2 runs in a worker thread: it is slow on purpose, and the event loop has other visitors."""
    try:
        user_id = user_id_for(email)
    except InvalidInput:
        user_id = None
    stored = await reads.password_hash(user_id) if user_id else None
    try:
        await to_thread.run_sync(_hasher.verify, stored or await to_thread.run_sync(_no_account_hash), password)
    except (VerificationError, InvalidHashError):
        return None
    return await reads.member(user_id) if stored else None
