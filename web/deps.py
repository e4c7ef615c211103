"""What request handlers are given by dependency injection, and the few helpers they share."""
from __future__ import annotations

from typing import Any, Callable

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from commands.messages import ChangePassword, Command, DeleteAccount, EndSessions, ResetPassword
from domain.errors import DomainError
from mybigmovie import i18n
from mybigmovie.bootstrap import Services
from mybigmovie.mail_links import MailLinks
from mybigmovie.recommendations import Recommender
from web.account_mail import AccountMail
from web.forms import parse_form
from projections.read_side import ReadSide
from web.security import SESSION_SEEN, session_user
from web.throttle import Throttle
from mybigmovie.tokens import LinkTokens
from projections.views import Credentials, Member

# What a handler or provider asks for by name; declared so Litestar does not have to guess.
ServicesDep = NamedDependency[Services]
ReadsDep = NamedDependency[ReadSide]
MemberDep = NamedDependency[Member | None]
RecommenderDep = NamedDependency[Recommender]
ThrottleDep = NamedDependency[Throttle]
MailDep = NamedDependency[AccountMail]
TokensDep = NamedDependency[LinkTokens]
LinksDep = NamedDependency[MailLinks]


EVERYTHING = 2**62  # a position no copy of a member is as new as: read it again


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


async def _links(state: State) -> MailLinks:
    return state.mail_links


async def _member(request: Request, reads: ReadsDep) -> Member | None:
    """The member this session is logged in as; None for a visitor, and for a session that has
    outlived its absolute lifetime or that an account event ended (log out everywhere, a new
    password, deletion: each moves the member's session epoch on)."""
    found = session_user(request)
    member = None
    if found:
        # Their last command's position: a copy of them older than that is read again (read-your-writes).
        seen = request.session.get(SESSION_SEEN)
        member = await reads.member(found[0], at_least=seen if isinstance(seen, int) else 0)
        if member is not None and member.session_epoch != found[1]:  # a kept copy may predate a new log-in
            member = await reads.member(found[0], at_least=EVERYTHING)
    if member is not None and member.session_epoch == found[1]:
        if language := i18n.parse(member.language):
            i18n.prefer(language)  # their own choice, wherever they are logged in
        return member
    if found or "session" in request.scope and request.session:
        request.clear_session()
    return None


dependencies = {"services": Provide(_services), "reads": Provide(_reads), "recommender": Provide(_recommender),
                "throttle": Provide(_throttle), "member": Provide(_member), "mail": Provide(_mail),
                "tokens": Provide(_tokens), "links": Provide(_links)}


def require(member: Member | None) -> Member:
    if member is None:
        raise LoginRequired()
    return member


# Commands that move the member's session epoch: every session they had ends with them.
ENDS_SESSIONS = (ChangePassword, ResetPassword, EndSessions, DeleteAccount)


async def send(request: Request, services: Services, command: Command) -> int:
    """Send a command, then wait (at most 2 s) until the read models show it: read-your-writes.
    Returns the position of its last event (or of the stream's, when it changed nothing)."""
    position = await services.handlers.handle(command)
    if position:
        await services.projector.wait_until(position, timeout=2)
    if user_id := getattr(command, "user_id", None):
        services.reads.forget(user_id)
        if isinstance(command, ENDS_SESSIONS):
            app = request.app
            await app.state.member_sessions.end_all(user_id, app.stores.get("sessions"))
        if isinstance(command, DeleteAccount):  # their files' rows, kept for the import reports
            await request.app.state.ratings_import_jobs.forget(user_id)
    return position


async def submit(request: Request, services: Services, member: Member, form_type: type,
                 command: Callable[[Any, str], Command]) -> str | None:
    """A member's form turned into a command and sent; the domain's objection in words, or None."""
    try:
        position = await send(request, services, command(await parse_form(request, form_type), member.user_id))
    except DomainError as problem:
        return str(problem)
    request.session[SESSION_SEEN] = position  # whichever web process serves their next page shows it
    return None


async def authenticate(reads: ReadSide, services: Services, email: str, password: str) -> Credentials | None:
    """The account with this e-mail address and password, or None. An unknown address costs as
    much time as a wrong password (a hash is checked either way), so timing does not tell which
    addresses have accounts."""
    found = await reads.credentials(email)
    ok = await services.passwords.verify(found.password_hash if found else None, password)
    return found if ok else None
