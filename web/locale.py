"""Which language a request is answered in, and the footer's switch between them.

First the visitor's own choice: a member's stored preference (an event in their stream, folded into
their profile: web.deps sets it once the member is read), else the ``mbm_lang`` cookie the switch
sets; then the browser's ``Accept-Language``; then English. Every value is parsed into
``i18n.Language`` or ignored.

The switch is a form (it works without JavaScript; with htmx the whole page is loaded again, so
``<html lang>`` and the layout follow). For a member it also records the choice, so it follows
them to other devices and into their e-mails.
"""
from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie, MutableScopeHeaders

from commands.messages import ChooseLanguage
from mybigmovie import i18n
from mybigmovie.i18n import Language
from web.deps import MemberDep, ServicesDep, send
from web.forms import Form, parse_form, safe_next
from web.rendering import reload_at
from web.security import SESSION_SEEN, cookie_name

COOKIE = "mbm_lang"
_BEGUN = "mybigmovie.locale"
YEAR = 365 * 24 * 3600


def begin(request: Request) -> Language:
    """Start this request in the language it asks for (once; an error page may ask again)."""
    if (found := request.scope.get(_BEGUN)) is not None:  # type: ignore[misc]
        return found
    language = (i18n.parse(request.cookies.get(cookie_for(request)))
                or i18n.negotiate(request.headers.get("Accept-Language")) or i18n.DEFAULT)
    i18n.begin(language)
    request.scope[_BEGUN] = language  # type: ignore[typeddict-unknown-key]
    return language


def cookie_for(request: Request) -> str:
    return cookie_name(COOKIE, request.app.csrf_config.cookie_secure)


def language_cookie(request: Request, language: Language) -> Cookie:
    return Cookie(key=cookie_for(request), value=language.value, max_age=YEAR, path="/",
                  secure=request.app.csrf_config.cookie_secure, httponly=True, samesite="lax")


async def content_language(message, scope) -> None:
    """A before-send hook: say which language a page is in."""
    if message["type"] == "http.response.start" and scope.get(_BEGUN) is not None:
        MutableScopeHeaders.from_message(message).add("Content-Language", i18n.current().value)


class LanguageForm(Form, kw_only=True):
    PROBLEM = i18n.N_("Choose English or French.")
    lang: Language


class LanguageController(Controller):
    @post("/language", name="language")
    async def choose(self, request: Request, services: ServicesDep, member: MemberDep) -> Response:
        """Switch language: a cookie for this browser, and for a member their preference."""
        form = await parse_form(request, LanguageForm)  # InvalidInput (a 422 page) for anything else
        if member is not None:
            request.session[SESSION_SEEN] = await send(request, services, ChooseLanguage(
                # a new id each time: choosing the same language again records nothing anyway
                command_id=str(uuid.uuid4()), user_id=member.user_id, language=form.lang.value))
        response = reload_at(request, safe_next(form.next))
        response.set_cookie(language_cookie(request, form.lang))
        return response

