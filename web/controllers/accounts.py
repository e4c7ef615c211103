"""Signing up (with a verified address), logging in and out, and recovering a password.

Nothing here tells a visitor whether an address has an account: sign-up, "forgot my password"
and "send the link again" answer the same page whatever the address, and the owner of an address
learns what happened by e-mail. Each e-mail goes out after the response (a background task), so
its cost cannot be read from the response time either.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from commands.messages import ResetPassword, SignUp, VerifyEmail
from domain.accounts import new_user_id
from domain.errors import DomainError, EmailTaken
from mybigmovie.i18n import N_, gettext as _
from web.deps import (MailDep, MemberDep, ReadsDep, ServicesDep, ThrottleDep, TokensDep, authenticate, send)
from web.forms import EmailForm, LinkForm, LoginForm, NewPasswordForm, SignUpForm, checked_email, parse_form, safe_next
from web.notices import bad_link, client, link_page, notice, retry_after, too_many
from web.rendering import page, reload_at, see_other
from web.security import end_session, start_member_session
from web.account_mail import AccountMail
from projections.read_side import ReadSide
from web.throttle import Throttle
from projections.views import Credentials

SIGN_UP_FLOOR = 0.25  # seconds: above a sign-up's own cost (one argon2 hash, ~50-100 ms here)
WRONG = N_("That e-mail address and password do not match an account. Please try again.")
NOTICES = {"reset": N_("Your password was changed and every session ended. Log in with your new password."),
           "verified": N_("Your address is confirmed. Log in to start rating."),
           "ended": N_("You were logged out everywhere."),
           "deleted": N_("Your account is deleted. Thank you for rating with us.")}


def inbox(request: Request, email: str, background=None) -> Template:
    """The one answer to "send me a link", whether or not the address has an account."""
    return notice(request, N_("Check your inbox"),
                  _("If %(email)s can receive a link from us, one is on its way. It may take a minute; look in the "
                    "spam folder too.") % {"email": email}, N_("Nothing arrived? You can ask again in a few minutes."),
                  background=background)


async def _throttled(throttle: Throttle, request: Request, action: str, email: str) -> int:
    return await throttle.attempt(action, account=email, client=client(request))


class AccountsController(Controller):
    @get("/signup", name="signup")
    async def signup_form(self, request: Request, member: MemberDep) -> Template:
        return page(request, "pages/signup.html", member=member, values={}, error=None)

    @post("/signup")
    async def signup(self, request: Request, services: ServicesDep, reads: ReadsDep, mail: MailDep,
                     throttle: ThrottleDep) -> Template:
        raw = await request.form()
        values = {"email": str(raw.get("email", ""))[:300], "display_name": str(raw.get("display_name", ""))[:300]}
        try:
            form = await parse_form(request, SignUpForm)
            email = checked_email(form.email)
            if wait := await _throttled(throttle, request, "signup", email):
                return retry_after(page(request, "pages/signup.html", status_code=429, member=None, values=values,
                                         error=too_many(wait)), wait)
            command = SignUp(command_id=str(form.command_id), email=email, password=form.password,
                             display_name=form.display_name)
            started = time.monotonic()
            try:  # read-your-writes: a log-in right after is told to confirm the address, not "no account"
                await send(request, services, command)
                message = mail.verify(email, form.display_name.strip(), new_user_id(command.command_id, email), 1)
            except EmailTaken:  # told to the address's owner, never to whoever typed it
                found = await reads.credentials(email)
                message = mail.already_member(email, found.display_name if found else "there")
            # A new account costs an append and its projection more than a known address does: both
            # answer no sooner than SIGN_UP_FLOOR, so the time does not tell them apart (tested).
            await asyncio.sleep(max(0.0, SIGN_UP_FLOOR - (time.monotonic() - started)))
        except DomainError as problem:
            return page(request, "pages/signup.html", status_code=422, member=None, error=str(problem), values=values)
        return inbox(request, email, BackgroundTask(mail.send, message))

    @get("/account/verify", name="verify")
    async def verify_form(self, request: Request, tokens: TokensDep, token: FromQuery[str] = "") -> Template:
        return link_page(request, tokens, "verify", token, N_("Confirm your e-mail address"),
                          N_("One click and your account is ready."), "/account/verify", N_("Confirm my address"))

    @post("/account/verify")
    async def verify(self, request: Request, services: ServicesDep, tokens: TokensDep) -> Template | Redirect:
        try:
            form = await parse_form(request, LinkForm)
            link = tokens.read("verify", form.token)
            await send(request, services, VerifyEmail(command_id=str(form.command_id), user_id=str(link["u"]),
                                             email_version=int(link["v"])))
        except DomainError as problem:
            return bad_link(request, str(problem), "/account/verify/resend")
        return see_other("/login?notice=verified")

    @get("/account/verify/resend", name="resend_verification")
    async def resend_form(self, request: Request) -> Template:
        return RESEND.page(request)

    @post("/account/verify/resend")
    async def resend(self, request: Request, reads: ReadsDep, mail: MailDep, throttle: ThrottleDep) -> Template:
        return await RESEND.send(request, reads, mail, throttle, lambda found: None if found.verified else mail.verify(
            found.email, found.display_name, found.user_id, found.email_version))

    @get("/login", name="login")
    async def login_form(self, request: Request, member: MemberDep, next: FromQuery[str] = "",
                         notice: FromQuery[str] = "") -> Template:
        return page(request, "pages/login.html", member=member, next=safe_next(next), email="", error=None,
                    notice=_(NOTICES[notice]) if notice in NOTICES else None)

    @post("/login")
    async def login(self, request: Request, services: ServicesDep, reads: ReadsDep, mail: MailDep,
                    throttle: ThrottleDep) -> Template | Response:
        raw = await request.form()
        email = str(raw.get("email", "")).strip().lower()[:300]

        def again(status_code: int, error: str) -> Template:
            return page(request, "pages/login.html", status_code=status_code, member=None, email=email,
                        error=error, next=safe_next(raw.get("next")), notice=None)
        try:
            form = await parse_form(request, LoginForm)
        except DomainError as problem:
            return again(422, str(problem))
        if wait := await _throttled(throttle, request, "login", email):  # counted before the password is checked
            return retry_after(again(429, too_many(wait)), wait)
        found = await authenticate(reads, services, email, form.password)
        if found is None:
            return again(401, _(WRONG))
        await throttle.succeeded("login", account=email, client=client(request))
        if not found.verified:  # only someone who knows the password learns this
            response = again(403, _("Please confirm your e-mail address first: we have just sent you a new link."))
            if not await _throttled(throttle, request, "verification-send", email):
                response.background = BackgroundTask(mail.send, mail.verify(
                    found.email, found.display_name, found.user_id, found.email_version))
            return response
        response = reload_at(request, safe_next(form.next))
        start_member_session(request, response, found.user_id, found.session_epoch)
        return response

    @post("/logout", name="logout")
    async def logout(self, request: Request) -> Response:
        response = reload_at(request, "/")
        end_session(request, response)
        return response

    @get("/password/forgot", name="forgot_password")
    async def forgot_form(self, request: Request) -> Template:
        return FORGOT.page(request)

    @post("/password/forgot")
    async def forgot(self, request: Request, reads: ReadsDep, mail: MailDep, throttle: ThrottleDep) -> Template:
        return await FORGOT.send(request, reads, mail, throttle, lambda found: mail.reset(
            found.email, found.display_name, found.user_id, found.password_version))

    @get("/password/reset", name="reset_password")
    async def reset_form(self, request: Request, tokens: TokensDep, token: FromQuery[str] = "") -> Template:
        return link_page(request, tokens, "reset", token, N_("Choose a new password"),
                          N_("Every session logged in to your account ends when you save it."), "/password/reset",
                          N_("Save my new password"), ask_password=True)

    @post("/password/reset")
    async def reset(self, request: Request, services: ServicesDep, reads: ReadsDep, tokens: TokensDep,
                    mail: MailDep) -> Template | Redirect:
        try:
            form = await parse_form(request, NewPasswordForm)
            link = tokens.read("reset", form.token)
            await send(request, services, ResetPassword(command_id=str(form.command_id), user_id=str(link["u"]),
                                               password=form.password, password_version=int(link["v"])))
        except DomainError as problem:
            return bad_link(request, str(problem), "/password/forgot")
        response = see_other("/login?notice=reset")
        if (member := await reads.member(str(link["u"]))) is not None:
            response.background = BackgroundTask(mail.send, mail.password_changed(member.email, member.display_name,
                                                                                  "reset"))
        return response


@dataclass(frozen=True)
class AskForLink:
    """A page where a visitor gives an address to be sent a link: it answers the same whether or
    not the address has an account; the mail goes out (throttled by ``rule``) only if it has one."""

    heading: str
    action: str
    explanation: str
    rule: str

    def page(self, request: Request, error: str | None = None, email: str = "") -> Template:
        return page(request, "pages/email_form.html", status_code=422 if error else 200, member=None,
                    heading=_(self.heading), action=self.action, explanation=_(self.explanation),
                    button=_("Send the link"),
                    error=error, email=email)

    async def send(self, request: Request, reads: ReadSide, mail: AccountMail, throttle: Throttle,
                   message_for: Callable[[Credentials], EmailMessage | None]) -> Template:
        try:
            email = checked_email((await parse_form(request, EmailForm)).email)
        except DomainError:
            return self.page(request, _("Please enter a valid e-mail address."))
        found = await reads.credentials(email)
        # The same work before the answer whether or not the address has an account, so its time
        # does not tell: the attempt is counted for any address (which also bounds how many
        # addresses one network can try), and the message is written after the answer is sent.
        throttled = await _throttled(throttle, request, self.rule, email)
        task = BackgroundTask(_send_if_any, mail, message_for, found) if found and not throttled else None
        return inbox(request, email, task)


async def _send_if_any(mail: AccountMail, message_for: Callable[[Credentials], EmailMessage | None],
                       found: Credentials) -> None:
    if (message := message_for(found)) is not None:
        await mail.send(message)


RESEND = AskForLink(N_("Send the confirmation link again"), "/account/verify/resend",
                    N_("Give the address you signed up with; we send it a new link."), "verification-send")
FORGOT = AskForLink(N_("Forgot your password?"), "/password/forgot",
                    N_("Give your account's address; we send it a link to choose a new password."),
                    "password-reset-send")
