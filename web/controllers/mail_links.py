"""The picks e-mail's links: unsubscribe (RFC 8058 one-click) and the actions on a pick.

No log-in is asked: the signed link is the authority, for its one member and its one change
(mybigmovie/mail_links.py). Opening a link (a GET, as a mail scanner does) only shows what it would
do; a POST does it. The one-click unsubscribe POST carries no CSRF token, because a mail client
sends it from nowhere near our pages (docs/SECURITY.md, 3.5.1, says why that is safe); the
"not interested" page's form carries the link's token *and* the page's CSRF token, and the POST
reads the link again.
"""
from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, PathParameter
from litestar.response import Template

from commands.messages import ChangeEmailPreferences, MarkNotInterested, MarkShowNotInterested
from mybigmovie.i18n import N_
from domain.errors import DomainError, InvalidInput, InvalidLink, UnknownUser
from mybigmovie.mail_links import NOT_INTERESTED, SEEN, MailLinks, PickLink
from projections.read_side import ReadSide
from projections.views import Title
from web.deps import LinksDep, MemberDep, ReadsDep, ServicesDep, send
from web.forms import MailLinkForm, parse_form
from web.notices import notice
from web.rendering import page
from web.security import SESSION_SEEN

ONE_CLICK = "One-Click"  # the body's List-Unsubscribe value (RFC 8058 3.2)
LinkToken = Annotated[str, PathParameter(max_length=1000)]  # longer is no token of ours (a 400, never read)
BAD = N_("This link is not valid, or it has expired. Links in our e-mails work for a while only (30 days for a pick).")


class MailLinksController(Controller):
    @get("/unsubscribe/{token:str}", name="unsubscribe_page")
    async def unsubscribe_page(self, request: Request, links: LinksDep, token: LinkToken) -> Template:
        try:
            links.read_unsubscribe(token)
        except InvalidLink:
            return _bad_link(request)
        return page(request, "pages/unsubscribe.html", member=None, neutral=True, token=token, done=False)

    @post("/unsubscribe/{token:str}", name="unsubscribe", exclude_from_csrf=True)
    async def unsubscribe(self, request: Request, services: ServicesDep, links: LinksDep, token: LinkToken) -> Template:
        """RFC 8058: the body is ``List-Unsubscribe=One-Click``; answered 200 with the page. Idempotent:
        the decision records nothing when the weekly e-mail is off already."""
        form = await request.form()  # the body first: one over 64 KiB is refused (413) before anything
        if form.get("List-Unsubscribe") != ONE_CLICK:
            return notice(request, N_("That request did not make sense"),
                          N_("Use the button on the page this link opens."), status_code=400)
        try:
            user_id = links.read_unsubscribe(token)
            await send(request, services, ChangeEmailPreferences(command_id=str(uuid.uuid4()), user_id=user_id,
                                                                 weekly=False))
        except InvalidLink:
            return _bad_link(request)
        except UnknownUser:  # deleted since: it gets no e-mail at all
            return notice(request, N_("No more e-mail"), N_("This account no longer exists; we send it nothing."))
        return page(request, "pages/unsubscribe.html", member=None, neutral=True, token=token, done=True)

    @get("/picks/not-interested", name="pick_not_interested_page")
    async def not_interested_page(self, request: Request, reads: ReadsDep, links: LinksDep, member: MemberDep,
                                  token: FromQuery[str] = "") -> Template:
        try:
            _, title = await _read(reads, links, NOT_INTERESTED, token)
        except DomainError as problem:
            return _bad_link(request, str(problem))
        return page(request, "pages/pick_link.html", member=member, title=title, action="not-interested",
                    token=token, done=False)

    @post("/picks/not-interested", name="pick_not_interested")
    async def not_interested(self, request: Request, services: ServicesDep, reads: ReadsDep, links: LinksDep,
                             member: MemberDep) -> Template:
        try:
            form = await parse_form(request, MailLinkForm)
            link, title = await _read(reads, links, NOT_INTERESTED, form.token)
            command = (MarkNotInterested(command_id=link.command_id, user_id=link.user_id, movie_id=link.title_id)
                       if link.kind == "movie" else
                       MarkShowNotInterested(command_id=link.command_id, user_id=link.user_id, show_id=link.title_id))
            position = await send(request, services, command)
        except DomainError as problem:
            return _bad_link(request, str(problem))
        if member is not None and member.user_id == link.user_id:  # her next page shows it, in any web process
            request.session[SESSION_SEEN] = position
        return page(request, "pages/pick_link.html", member=member, title=title, action="not-interested",
                    token=None, done=True)

    @get("/picks/seen", name="pick_seen_page")
    async def seen_page(self, request: Request, reads: ReadsDep, links: LinksDep, member: MemberDep,
                        token: FromQuery[str] = "") -> Template:
        """"Seen it — rate it": rating takes the member's log-in, so this page leads to the title's."""
        try:
            _, title = await _read(reads, links, SEEN, token)
        except DomainError as problem:
            return _bad_link(request, str(problem))
        return page(request, "pages/pick_link.html", member=member, title=title, action="seen", token=None,
                    done=False)


async def _read(reads: ReadSide, links: MailLinks, purpose: str, token: str) -> tuple[PickLink, Title]:
    """The link and the title it is about; InvalidLink (forged, altered, expired, another purpose's)
    or InvalidInput (a title no longer listed)."""
    try:
        link = links.read_pick(purpose, token)
    except InvalidLink:
        raise InvalidLink(BAD) from None
    title = await (reads.movie(link.title_id) if link.kind == "movie" else reads.show(link.title_id))
    if title is None:
        raise InvalidInput(N_("That title is no longer in our catalog."))
    return link, title


def _bad_link(request: Request, problem: str = BAD) -> Template:
    return notice(request, N_("This link does not work"), problem, status_code=400,
                  action=(N_("Go to the home page"), "/"))
