"""Pages that tell a person what happened (a notice, a link that no longer works) and the page an
e-mailed link opens; shared by the account controllers."""
from __future__ import annotations

from litestar import Request
from litestar.response import Template

from domain.errors import DomainError
from mybigmovie.i18n import N_, gettext as _, ngettext
from web.rendering import page
from mybigmovie.tokens import LinkTokens


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait: int) -> str:
    minutes = -(-wait // 60)
    return ngettext("Too many attempts. For your safety, please wait %(minutes)s minute and try again.",
                    "Too many attempts. For your safety, please wait %(minutes)s minutes and try again.",
                    minutes) % {"minutes": minutes}


def notice(request: Request, heading: str, *paragraphs: str, status_code: int = 200, background=None,
           action: tuple[str, str] | None = None) -> Template:
    """A page that says what happened; its words (English source text, or already translated) are
    shown in the request's language."""
    response = page(request, "pages/notice.html", status_code=status_code, member=None, heading=_(heading),
                    paragraphs=[_(paragraph) for paragraph in paragraphs],
                    action=(_(action[0]), action[1]) if action else None)
    response.background = background
    return response


def retry_after(response: Template, wait: int) -> Template:
    response.headers["Retry-After"] = str(wait)
    return response


def link_page(request: Request, tokens: LinkTokens, purpose: str, token: str, heading: str, explanation: str, action: str,
               button: str, ask_password: bool = False) -> Template:
    """The page an e-mailed link opens: it checks the link and asks for a click (a GET changes nothing)."""
    try:
        tokens.read(purpose, token)
    except DomainError as problem:
        again = {"verify": "/account/verify/resend", "reset": "/password/forgot"}.get(purpose, "/me/account")
        return bad_link(request, str(problem), again)
    return page(request, "pages/confirm_link.html", member=None, heading=_(heading), explanation=_(explanation),
                action=action, button=_(button), token=token, ask_password=ask_password, error=None)


def bad_link(request: Request, problem: str, again: str) -> Template:
    return notice(request, N_("This link does not work"), problem, status_code=400,
                  action=(N_("Get a new link"), again))
