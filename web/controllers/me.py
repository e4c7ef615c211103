"""A member's own pages: their ratings and e-mail choices, and their account (password, address,
sessions, deletion).

Every change to the account asks for the current password again, so a session left open on a
shared computer cannot take the account over; each is counted by the log-in throttle.
"""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from commands.messages import ChangeEmail, ChangeEmailPreferences, ChangePassword, DeleteAccount, EndSessions
from domain.errors import DomainError, EmailTaken, InvalidInput
from web.api.tokens import TokenRow, token_rows
from web.deps import (MailDep, MemberDep, ReadsDep, RecommenderDep, ServicesDep, ThrottleDep, TokensDep,
                      authenticate, require, send, submit)
from web.forms import (ChangeEmailForm, CommandForm, ChangePasswordForm, DeleteAccountForm, EmailPreferencesForm,
                       LinkForm, checked_email, parse_form)
from mybigmovie.i18n import N_, gettext as _
from web.notices import bad_link, client, link_page, notice, too_many
from web.page_cache import cached_page
from web.rendering import page, reload_at, see_other, wants_fragment
from web.security import end_session, start_member_session
from projections.views import Member

NOTICES = {"password": N_("Your password is changed. Every other session has ended."),
           "email": N_("Your e-mail address is changed.")}


class MeController(Controller):
    @get("/me", name="me")
    async def me(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                 saved: FromQuery[str] = "") -> Response:
        member = require(member)
        tokens = await token_rows(reads, request.app.state.api_limits, member)  # their last use changes the page
        return await cached_page(request, "pages/me.html", member=member, vary=tuple(tokens),
                                 context=lambda: _me(reads, recommender, member, tokens, saved=saved == "email"))

    @post("/me/email-preferences", name="email_preferences")
    async def email_preferences(self, request: Request, services: ServicesDep, reads: ReadsDep,
                                recommender: RecommenderDep, member: MemberDep) -> Template | Redirect:
        """The weekly e-mail and TV shows in it, on or off. htmx swaps the section; without it, the
        browser comes back to /me."""
        member = require(member)
        error = await submit(request, services, member, EmailPreferencesForm, lambda f, user: ChangeEmailPreferences(
            command_id=str(f.command_id), user_id=user, weekly=f.weekly, shows=f.shows))
        if not wants_fragment(request):
            if error:
                return await _me_page(request, reads, recommender, member, error=error)
            return see_other("/me?saved=email#email-preferences")
        fresh = await reads.member(member.user_id) or member
        return page(request, "pages/me.html", block="email_preferences", status_code=422 if error else 200,
                    member=fresh, saved=not error, error=error)

    @get("/me/account", name="account")
    async def account(self, request: Request, member: MemberDep, notice: FromQuery[str] = "") -> Template:
        return _account_page(request, require(member), notice=_(NOTICES[notice]) if notice in NOTICES else None)

    @post("/me/password", name="change_password")
    async def change_password(self, request: Request, services: ServicesDep, reads: ReadsDep, member: MemberDep,
                              mail: MailDep, throttle: ThrottleDep) -> Template | Response:
        member = require(member)
        try:
            form = await parse_form(request, ChangePasswordForm)
            await _check_password(request, reads, services, throttle, member, form.current_password)
            await send(request, services, ChangePassword(command_id=str(form.command_id), user_id=member.user_id,
                                                password=form.password))
        except DomainError as problem:
            return _account_page(request, member, error=str(problem))
        response = reload_at(request, "/me/account?notice=password")
        renewed = await reads.member(member.user_id)  # this session goes on, under the new epoch
        start_member_session(request, response, member.user_id, renewed.session_epoch if renewed else -1)
        response.background = BackgroundTask(mail.send, mail.password_changed(member.email, member.display_name,
                                                                              "change"))
        return response

    @post("/me/email", name="change_email")
    async def change_email(self, request: Request, services: ServicesDep, reads: ReadsDep, member: MemberDep,
                           mail: MailDep, throttle: ThrottleDep) -> Template:
        member = require(member)
        try:
            form = await parse_form(request, ChangeEmailForm)
            new_address = checked_email(form.email)
            await _check_password(request, reads, services, throttle, member, form.current_password)
            if new_address == member.email:
                raise InvalidInput(N_("That is already your address."))
        except DomainError as problem:
            return _account_page(request, member, error=str(problem))
        task = None
        if not await throttle.attempt("verification-send", account=new_address, client=client(request)):
            task = BackgroundTask(mail.send, mail.change_email(new_address, member.display_name, member.user_id,
                                                               member.email_version))
        return notice(request, N_("Check your inbox"), _("We sent a link to %(address)s. Your address changes when "
                      "you open it (within 24 hours); until then we keep writing to your current one.")
                      % {"address": new_address}, background=task, action=(N_("Back to your account"), "/me/account"))

    @get("/account/email/confirm", name="confirm_email")
    async def confirm_email_form(self, request: Request, tokens: TokensDep, token: FromQuery[str] = "") -> Template:
        return link_page(request, tokens, "change-email", token, N_("Confirm your new address"),
                          N_("Your account's e-mail address changes when you confirm."), "/account/email/confirm",
                          N_("Use this address"))

    @post("/account/email/confirm")
    async def confirm_email(self, request: Request, services: ServicesDep, reads: ReadsDep, tokens: TokensDep,
                            mail: MailDep) -> Template | Redirect:
        try:
            form = await parse_form(request, LinkForm)
            link = tokens.read("change-email", form.token)
            before = await reads.member(str(link["u"]))
            await send(request, services, ChangeEmail(command_id=str(form.command_id), user_id=str(link["u"]),
                                             new_email=str(link["e"]), email_version=int(link["v"])))
        except EmailTaken:
            return bad_link(request, N_("That address is already used by another account."), "/me/account")
        except DomainError as problem:
            return bad_link(request, str(problem), "/me/account")
        response = see_other("/me/account?notice=email")
        if before is not None:  # the old address hears of it: an account moved away silently is a takeover
            response.background = BackgroundTask(mail.send, mail.address_changed(before.email, before.display_name,
                                                                                 str(link["e"])))
        return response

    @post("/me/sessions/end", name="end_sessions")
    async def end_sessions(self, request: Request, services: ServicesDep, member: MemberDep) -> Response:
        member = require(member)
        form = await parse_form(request, CommandForm)
        await send(request, services, EndSessions(command_id=str(form.command_id), user_id=member.user_id))
        response = reload_at(request, "/login?notice=ended")
        end_session(request, response)
        return response

    @post("/me/delete", name="delete_account")
    async def delete(self, request: Request, services: ServicesDep, reads: ReadsDep, member: MemberDep,
                     mail: MailDep, throttle: ThrottleDep) -> Template | Response:
        member = require(member)
        try:
            form = await parse_form(request, DeleteAccountForm)
            await _check_password(request, reads, services, throttle, member, form.current_password)
            farewell = mail.account_deleted(member.email, member.display_name, form.ratings == "keep")  # before the key goes
            await send(request, services, DeleteAccount(command_id=str(form.command_id), user_id=member.user_id,
                                               keep_ratings=form.ratings == "keep"))
        except DomainError as problem:
            return _account_page(request, member, error=str(problem))
        response = reload_at(request, "/login?notice=deleted")
        end_session(request, response)
        response.background = BackgroundTask(mail.send, farewell)
        return response


async def _me_page(request: Request, reads, recommender, member: Member, error: str | None = None,
                   token_error: str | None = None, new_token: str | None = None) -> Template:
    """/me answering a form of it: with what went wrong, or the token just made (shown this once)."""
    tokens = await token_rows(reads, request.app.state.api_limits, member)
    return page(request, "pages/me.html", status_code=422 if error or token_error else 200, member=member,
                error=error, token_error=token_error, new_token=new_token,
                **await _me(reads, recommender, member, tokens))


async def _me(reads, recommender, member: Member, tokens: list[TokenRow], saved: bool = False) -> dict:
    """What /me shows: the member's ratings and marks, the model's status, their e-mail choices, their tokens."""
    titles = await reads.movies_by_id([*member.ratings, *member.not_seen, *member.not_interested])
    rated = sorted(((titles[i], r) for i, r in member.ratings.items() if i in titles),
                   key=lambda pair: (-pair[1], pair[0].title))
    shows = await reads.shows_by_id([*member.show_ratings, *member.show_not_seen, *member.show_not_interested])
    return dict(rated=rated, not_seen=[titles[i] for i in member.not_seen if i in titles],
                not_interested=[titles[i] for i in member.not_interested if i in titles],
                show_ratings=[(shows[i], r) for i, r in member.show_ratings.items() if i in shows],
                shows_not_seen=[shows[i] for i in member.show_not_seen if i in shows],
                shows_not_interested=[shows[i] for i in member.show_not_interested if i in shows],
                model_status=recommender.status(), saved=saved, api_tokens=tokens)


async def _check_password(request: Request, reads, services, throttle, member: Member, password: str) -> None:
    if wait := await throttle.attempt("login", account=member.email, client=client(request)):
        raise InvalidInput(too_many(wait))
    if await authenticate(reads, services, member.email, password) is None:
        raise InvalidInput(N_("That is not your current password."))
    await throttle.succeeded("login", account=member.email, client=client(request))


def _account_page(request: Request, member: Member, notice: str | None = None, error: str | None = None) -> Template:
    return page(request, "pages/account.html", status_code=422 if error else 200, member=member, notice=notice,
                error=error)
