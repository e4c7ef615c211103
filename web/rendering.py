"""Rendering: one template file per page, and the same URL answering htmx with one block of it.

A page template names the blocks htmx may ask for; ``page()`` renders the whole page for a
browser and just that block for an htmx request that targets it (not for a boosted navigation or
a history restore, which need the whole page).
"""
from __future__ import annotations

import uuid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, Response
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

TEMPLATES = Path(__file__).parent / "templates"
VARY = {"Vary": "HX-Request", "Cache-Control": "no-cache, private"}


def environment() -> Environment:
    # auto_reload off: templates change with a deploy, not while serving; on, every include of every
    # card stats its file (a member's movies page includes ~100 templates).
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.globals.update(new_command_id=lambda: str(uuid.uuid4()), half_stars=[x / 2 for x in range(1, 11)],
                       here=pass_context(lambda context: request_path(context["request"])))
    env.filters["stars"] = lambda rating: f"{rating:g}" if rating is not None else ""
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def wants_fragment(request: Request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page(request: Request, template: str, *, block: str | None = None, status_code: int = 200,
         **context) -> Template:
    """``template`` as a whole page, or only its ``block`` when htmx asks for a fragment."""
    if block and wants_fragment(request):
        return HTMXBlockTemplate(template_name=template, block_name=block, context=context,
                                 status_code=status_code, headers=VARY)
    return Template(template_name=template, context=context, status_code=status_code, headers=VARY)


def partial(template: str, *, status_code: int = 200, trigger: str | None = None, **context) -> Template:
    """A partial template on its own, answering an htmx request; ``trigger`` fires an event in the page."""
    return HTMXTemplate(template_name=template, context=context, status_code=status_code, trigger_event=trigger,
                        after="receive" if trigger else None, headers=VARY)


def see_other(location: str) -> Redirect:
    """After a form POST: the browser GETs ``location`` (post/redirect/get)."""
    return Redirect(location, status_code=303)


def reload_at(request: Request, location: str) -> Response:
    """After a form POST that changes who the visitor is (log-in, log-out, a new password): the page
    at ``location`` loaded whole. A boosted htmx request would swap only the <body>'s content and keep
    the CSRF token of the page before (in <body hx-headers>), which the new session no longer
    accepts; so htmx is told to navigate (HX-Redirect), and a browser without it gets the 303."""
    if request.headers.get("HX-Request") == "true":
        return Response(content=None, status_code=200, headers={"HX-Redirect": location})
    return see_other(location)


def request_path(request: Request) -> str:
    """This request's path and query: where a form on the page sends the browser back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path
