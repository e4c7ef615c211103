"""What request handlers are given by dependency injection, and the few helpers they share."""
from __future__ import annotations

from typing import Any, Callable

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from commands.messages import Command
from domain.errors import DomainError
from mybigmovie.bootstrap import Services
from mybigmovie.recommendations import Recommender
from web.account_mail import AccountMail
from web.forms import parse_form
from projections.read_side import ReadSide
from web.security import session_user
from web.throttle import Throttle
from web.tokens import LinkTokens
from projections.views import Credentials, Member

# What a handler or provider asks for by name; declared so Litestar does not have to guess.
ServicesDep = NamedDependency[Services]
ReadsDep = NamedDependency[ReadSide]
MemberDep = NamedDependency[Member | None]
RecommenderDep = NamedDependency[Recommender]
ThrottleDep = NamedDependency[Throttle]
MailDep = NamedDependency[AccountMail]
TokensDep = NamedDependency[LinkTokens]


class LoginRequired(Exception):
    """The page or form is for members; the visitor is sent to log in and then back."""


async def _services(state: State) -> Services:
    return state.services


async def _reads(services: ServicesDep) -> ReadSide:
    return services.reads


async def _recommender(state: State) -> Recommender:
    return state.recommender


async def _throttle(state: State) -> Throttle:
    return state.throttle


async def _mail(state: State) -> AccountMail:
    return state.account_mail


async def _tokens(state: State) -> LinkTokens:
    return state.account_mail.tokens


async def _member(request: Request, reads: ReadsDep) -> Member | None:
    """The member this session is logged in as; None for a visitor, and for a session that has
    outlived its absolute lifetime or that an account event ended (log out everywhere, a new
    password, deletion: each moves the member's session epoch on)."""
    found = session_user(request)
    member = await reads.member(found[0]) if found else None
    if member is not None and member.session_epoch == found[1]:
        return member
    if found or "session" in request.scope and request.session:
        request.clear_session()
    return None


dependencies = {"services": Provide(_services), "reads": Provide(_reads), "recommender": Provide(_recommender),
                "throttle": Provide(_throttle), "member": Provide(_member), "mail": Provide(_mail),
                "tokens": Provide(_tokens)}


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


async def authenticate(reads: ReadSide, services: Services, email: str, password: str) -> Credentials | None:
    """The account with this e-mail address and password, or None. An unknown address costs as
    much time as a wrong password (a hash is checked either way), so timing does not tell which
    addresses have accounts."""
    found = await reads.credentials(email)
    ok = await services.passwords.verify(found.password_hash if found else None, password)
    return found if ok else None
