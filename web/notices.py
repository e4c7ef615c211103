"""Pages that tell a person what happened (a notice, a link that no longer works) and the page an
e-mailed link opens; shared by the account controllers."""
from __future__ import annotations

from litestar import Request
from litestar.response import Template

from domain.errors import DomainError
from web.rendering import page
from mybigmovie.tokens import LinkTokens


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait: int) -> str:
    minutes = -(-wait // 60)
    return (f"Too many attempts. For your safety, please wait {minutes} minute{'s' if minutes != 1 else ''} "
            f"and try again.")


def notice(request: Request, heading: str, *paragraphs: str, status_code: int = 200, background=None,
           action: tuple[str, str] | None = None) -> Template:
    response = page(request, "pages/notice.html", status_code=status_code, member=None, heading=heading,
                    paragraphs=paragraphs, action=action)
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
    return page(request, "pages/confirm_link.html", member=None, heading=heading, explanation=explanation,
                action=action, button=button, token=token, ask_password=ask_password, error=None)


def bad_link(request: Request, problem: str, again: str) -> Template:
    return notice(request, "This link does not work", problem, status_code=400, action=("Get a new link", again))
