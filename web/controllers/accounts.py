"""Signing up, logging in and out, and a member's own page."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from commands.messages import SignUp
from domain.errors import DomainError, EmailTaken
from web.deps import (SESSION_USER, MemberDep, ReadsDep, RecommenderDep, ServicesDep, ThrottleDep, authenticate,
                      require, send)
from web.forms import LoginForm, SignUpForm, parse_form, safe_next
from web.rendering import page, see_other
from web.security import rotate_session
from web.views import Member

WRONG = "That e-mail address and password do not match an account. Please try again."


def _log_in(request: Request, member: Member) -> None:
    rotate_session(request)  # a new session id at log-in: an id planted before it is worth nothing
    request.set_session({SESSION_USER: member.user_id})


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class AccountsController(Controller):
    @get("/signup", name="signup")
    async def signup_form(self, request: Request, member: MemberDep, next: FromQuery[str] = "") -> Template:
        return page(request, "pages/signup.html", member=member, next=safe_next(next), values={}, error=None)

    @post("/signup")
    async def signup(self, request: Request, reads: ReadsDep, services: ServicesDep) -> Template | Redirect:
        raw = await request.form()
        try:
            form = await parse_form(request, SignUpForm)
            await send(services, SignUp(command_id=str(form.command_id), email=form.email, password=form.password,
                                        display_name=form.display_name))
            # Verify rather than trust: a resent command id returns the first sign-up's position.
            if (member := await authenticate(reads, form.email, form.password)) is None:
                raise EmailTaken("An account with this e-mail address already exists. Try logging in.")
        except DomainError as problem:
            values = {"email": raw.get("email", ""), "display_name": raw.get("display_name", "")}
            return page(request, "pages/signup.html", status_code=422, member=None, error=str(problem),
                        values=values, next=safe_next(raw.get("next")))
        _log_in(request, member)
        return see_other(safe_next(form.next))

    @get("/login", name="login")
    async def login_form(self, request: Request, member: MemberDep, next: FromQuery[str] = "") -> Template:
        return page(request, "pages/login.html", member=member, next=safe_next(next), email="", error=None)

    @post("/login")
    async def login(self, request: Request, reads: ReadsDep, throttle: ThrottleDep) -> Template | Redirect:
        raw = await request.form()
        email = str(raw.get("email", "")).strip().lower()[:300]

        def again(status_code: int, error: str) -> Template:
            return page(request, "pages/login.html", status_code=status_code, member=None, email=email,
                        error=error, next=safe_next(raw.get("next")))
        try:
            form = await parse_form(request, LoginForm)
        except DomainError as problem:
            return again(422, str(problem))
        if wait := await throttle.blocked_for(email, _client(request)):
            minutes = -(-wait // 60)
            return again(429, f"Too many failed log-ins for this address. For your safety, please wait "
                              f"{minutes} minute{'s' if minutes != 1 else ''} and try again.")
        if (member := await authenticate(reads, email, form.password)) is None:
            await throttle.failed(email, _client(request))
            return again(401, WRONG)
        await throttle.succeeded(email, _client(request))
        _log_in(request, member)
        return see_other(safe_next(form.next))

    @post("/logout", name="logout")
    async def logout(self, request: Request) -> Redirect:
        rotate_session(request)
        request.clear_session()
        return see_other("/")

    @get("/me", name="me")
    async def me(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep) -> Template:
        member = require(member)
        titles = await reads.movies_by_id([*member.ratings, *member.not_seen, *member.not_interested])
        rated = sorted(((titles[i], r) for i, r in member.ratings.items() if i in titles),
                       key=lambda pair: (-pair[1], pair[0].title))
        shows = await reads.shows_by_id(member.show_ratings)
        return page(request, "pages/me.html", member=member, rated=rated,
                    not_seen=[titles[i] for i in member.not_seen if i in titles],
                    not_interested=[titles[i] for i in member.not_interested if i in titles],
                    show_ratings=[(shows[i], r) for i, r in member.show_ratings.items() if i in shows],
                    model_status=recommender.status())
