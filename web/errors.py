"""Errors as pages a person can read: never a traceback, always the way back.

A full-page request gets the error page inside the layout. An htmx request for a fragment gets a
short message swapped into the page's message area instead of the fragment it asked for.
"""
from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.params import PathParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from domain.errors import DomainError
from mybigmovie.passwords import Overloaded
from web.deps import LoginRequired
from mybigmovie.i18n import N_, gettext as _
from web import locale
from web.forms import safe_next
from web.rendering import VARY, request_path, wants_fragment

log = logging.getLogger(__name__)

# An id in an address. Out of this range nothing can be there, and the value must not reach the
# database (PyMongo cannot encode an int past 2**63): it fails validation, which http_error
# answers with 404 as for any path value that does not fit. 2**53: exact in a float and in JSON.
MAX_ID = 2**53
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

TITLES = {400: N_("That request did not make sense"), 403: N_("Not allowed"), 404: N_("Page not found"),
          405: N_("Not allowed"), 413: N_("That is too much to send"), 422: N_("Please check what you entered"),
          429: N_("Slow down a little"), 500: N_("Something went wrong"), 503: N_("Busy right now")}
MESSAGES = {400: N_("Some of the values in the address or the form are not valid."),
            403: N_("This form has expired or did not come from this site. Reload the page and try again."),
            404: N_("There is nothing at this address. It may have moved, or the link may be mistyped."),
            405: N_("This address does not accept that kind of request."),
            413: N_("What you sent is far longer than any form on this site needs. Please send less."),
            500: N_("Sorry, something broke on our side. It has been logged; please try again in a moment."),
            503: N_("The site is very busy right now. Please try again in a few seconds.")}


def _error(request: Request, status_code: int, message: str | None = None) -> Template:
    locale.begin(request)  # a request refused before its handler (no route, CSRF) has not begun one
    context = {"code": status_code, "heading": _(TITLES.get(status_code, TITLES[500])),
               "message": _(message or MESSAGES.get(status_code, MESSAGES[500])), "member": None}
    if wants_fragment(request):  # say it in the page's message area, whatever the request targeted
        return HTMXTemplate(template_name="partials/flash.html", context=context, status_code=status_code,
                            re_target="#flash", re_swap="innerHTML", headers=VARY)
    return Template(template_name="pages/error.html", context=context, status_code=status_code, headers=VARY)


def http_error(request: Request, exc: HTTPException) -> Response:
    if _bad_path_value(request, exc):
        return _error(request, 404)
    # Our own 404s say what is missing; others (a route that does not exist) get the general message.
    specific = isinstance(exc, NotFoundException) and exc.detail and exc.detail != "Not Found"
    if isinstance(exc, (PermissionDeniedException, ValidationException)) or not specific:
        return _error(request, exc.status_code)
    return _error(request, exc.status_code, exc.detail)


def _bad_path_value(request: Request, exc: HTTPException) -> bool:
    """A value of the address itself failed validation (an id out of range): there is nothing at
    this address, which is a 404, not a bad request."""
    problems = exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else []
    return any(isinstance(p, dict) and p.get("key") in request.path_params for p in problems)


def domain_error(request: Request, exc: DomainError) -> Response:
    return _error(request, 422, str(exc))


def login_required(request: Request, exc: LoginRequired) -> Response:
    target = f"/login?next={quote(_back(request))}"
    if getattr(request, "htmx", None):
        return Response(content=None, status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _back(request: Request) -> str:
    """Where to return after logging in: this page, or for a form the page the form was on."""
    if request.method == "GET":
        return request_path(request)
    source = urlsplit(request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "/")
    return safe_next(f"{source.path}?{source.query}" if source.query else source.path)


def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(request, 500)


def unavailable(request: Request, exc: Exception) -> Response:
    """MongoDB or Redis does not answer: say so, and let the browser try again; the next request
    that finds it back is served as usual."""
    log.warning("a dependency is unavailable on %s %s: %s: %s", request.method, request.url.path,
                type(exc).__name__, str(exc)[:300])
    locale.begin(request)
    response = _error(request, 503, _("Part of the site is not answering right now. Please try again in a few "
                                      "seconds.") if request.method == "GET" else
                      _("Part of the site is not answering right now. Please try again in a few seconds. What you "
                        "just sent may not have been saved: sending it again is safe."))
    response.headers["Retry-After"] = "5"
    return response


def overloaded(request: Request, exc: Overloaded) -> Response:
    response = _error(request, 503)
    response.headers["Retry-After"] = "2"
    return response


handlers = {Overloaded: overloaded, HTTPException: http_error, DomainError: domain_error, LoginRequired: login_required,
            # MongoDB (no server to select, a connection lost) or Redis (refused, timed out) down
            ConnectionFailure: unavailable, RedisConnectionError: unavailable, RedisTimeoutError: unavailable,
            500: server_error}
