"""A member's personal API tokens, made and revoked on /me (the API itself: web/api/).

A new token is shown once, in the page that answers the form, and kept nowhere: the log and the
read model hold only its hash. Both forms carry the CSRF token and a command id like every other
form; the second sending of the same "create" form makes no second token, and its answer says so
instead of showing a secret that was never stored."""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from litestar import Controller, Request, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from commands.messages import CreateApiToken, RevokeApiToken
from domain.errors import DomainError
from mybigmovie.i18n import N_, gettext as _
from web.api.tokens import new_token
from web.controllers.me import _me_page
from web.deps import MemberDep, ReadsDep, RecommenderDep, ServicesDep, require, send
from web.forms import CommandForm, Short, parse_form
from web.rendering import see_other
from web.security import SESSION_SEEN

TokenId = Annotated[str, PathParameter(min_length=1, max_length=32)]  # an id no token has revokes nothing


class ApiTokenForm(CommandForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Give the token a name and choose what it may do.")
    name: Short
    scope: Literal["read", "read-write"]


class ApiTokensController(Controller):
    path = "/me/api-tokens"

    @post("/", name="create_api_token")
    async def create(self, request: Request, services: ServicesDep, reads: ReadsDep, recommender: RecommenderDep,
                     member: MemberDep) -> Template:
        member = require(member)
        token, token_id, digest = new_token(member.user_id)
        try:
            form = await parse_form(request, ApiTokenForm)
            request.session[SESSION_SEEN] = await send(request, services, CreateApiToken(
                command_id=str(form.command_id), user_id=member.user_id, token_id=token_id, token_hash=digest,
                scope=form.scope, name=form.name))
        except DomainError as problem:
            return await _me_page(request, reads, recommender, member, token_error=str(problem))
        if not any(t.token_id == token_id for t in await reads.api_tokens(member.user_id)):
            return await _me_page(request, reads, recommender, member, token_error=_(
                "This form was sent twice: the token was shown the first time. If you did not copy it, "
                "revoke it and make another."))
        return await _me_page(request, reads, recommender, member, new_token=token)

    @post("/{token_id:str}/revoke", name="revoke_api_token")
    async def revoke(self, request: Request, services: ServicesDep, member: MemberDep, token_id: TokenId) -> Redirect:
        member = require(member)
        form = await parse_form(request, CommandForm)
        request.session[SESSION_SEEN] = await send(request, services, RevokeApiToken(
            command_id=str(form.command_id), user_id=member.user_id, token_id=token_id))
        return see_other("/me#api-tokens")
