"""Every error under /api as RFC 9457 problem details (``application/problem+json``): the HTTP status,
its title, a sentence saying what went wrong, and for a request that did not validate, which values.
Never a traceback: a 500 says only that it is logged.

The API's router answers the errors its handlers raise (``HANDLERS``); the errors raised before a
route is found (an address under /api that does not exist, a method it does not take) reach the
app's handlers, which ``api_aware`` wraps so that under /api they answer here too.
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Callable, Mapping

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from domain.errors import DomainError, UnknownTitle

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"


class InvalidValue(msgspec.Struct, frozen=True, kw_only=True):
    """One value of the request that did not validate."""

    message: str
    key: str | None = None  # the parameter or field, when known
    source: str | None = None  # "path", "query", "header" or "body"


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details. ``type`` is "about:blank": the status and its title say it all."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[InvalidValue] | msgspec.UnsetType = msgspec.UNSET  # only for a request that did not validate


class ApiError(HTTPException):
    """An error the API raises itself, with the sentence to send and any headers (WWW-Authenticate,
    Retry-After)."""


def problem(status: int, detail: str, headers: Mapping[str, str] | None = None,
            errors: list[InvalidValue] | None = None) -> Response:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, errors=errors or msgspec.UNSET)
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {}))


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, ValidationException):
        return _invalid(request, exc)
    if isinstance(exc, ApiError):
        return problem(exc.status_code, exc.detail, exc.headers)
    # Litestar's own (no route, a method not allowed, a body too long): its headers (Allow) kept
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else (
        _GENERAL.get(exc.status_code) or HTTPStatus(exc.status_code).description)
    return problem(exc.status_code, detail, exc.headers)


def _invalid(request: Request, exc: ValidationException) -> Response:
    found = exc.extra if isinstance(exc.extra, list) else []
    errors = [InvalidValue(message=str(p.get("message", "invalid value")), key=_text(p.get("key")),
                           source=_text(getattr(p.get("source"), "value", p.get("source"))))  # ParamType.PATH: "path"
              for p in found if isinstance(p, dict)]
    if any(e.key in request.path_params for e in errors if e.source == "path"):
        return problem(404, "There is nothing at this address: an id in it is out of range.")
    return problem(422, "Some values of the request are not valid: see errors.", errors=errors)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


def domain_error(request: Request, exc: DomainError) -> Response:
    return problem(404 if isinstance(exc, UnknownTitle) else 422, str(exc))


def unavailable(request: Request, exc: Exception) -> Response:
    log.warning("a dependency is unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem(503, "Part of the site is not answering right now; try again in a few seconds.",
                   {"Retry-After": "5"})


def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Something broke on our side. It has been logged; please try again in a moment.")


_GENERAL = {404: "There is nothing at this address.", 405: "This address does not take that method.",
            413: "The request's body is longer than any this API takes."}

HANDLERS: dict = {HTTPException: http_error, DomainError: domain_error, ConnectionFailure: unavailable,
                  RedisConnectionError: unavailable, RedisTimeoutError: unavailable, 500: server_error}


def api_aware(handlers: Mapping[Any, Callable]) -> dict:
    """The app's exception handlers, each answering with a problem for a request under /api."""
    def wrapped(key, page_handler):
        api_handler = HANDLERS.get(key, server_error)

        def handler(request: Request, exc: Exception) -> Response:
            if request.url.path.startswith(PREFIX):
                return api_handler(request, exc)
            return page_handler(request, exc)
        return handler
    return {key: wrapped(key, page_handler) for key, page_handler in handlers.items()}


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The problems an operation can answer with, for its OpenAPI description (400 for each: in
    place of the plain JSON Litestar would describe for it)."""
    return {status: ResponseSpec(Problem, description=_WHEN.get(status, HTTPStatus(status).phrase),
                                 media_type=MEDIA_TYPE, generate_examples=False) for status in (400, *statuses)}


_WHEN = {400: "The request could not be read", 401: "No token, or a token that is not valid (revoked, ended)",
         403: "The token may only read", 404: "Nothing at this address (an unknown id)",
         413: "The body is over 64 KiB",
         422: "A value of the request is not valid (see errors)",
         429: "Too many requests with this token: wait Retry-After seconds",
         503: "The database or Redis is not answering: try again after Retry-After seconds"}
