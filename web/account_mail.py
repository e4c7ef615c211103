"""The account e-mails: what each says, with the signed link it carries.

They go out from the web process, after the response is sent (so whether a message was sent, or
which, cannot be read from the response time), through the mailer the composition root built.
A message that cannot be sent is logged; the person can ask for it again from the page it
promised it on.
"""
from __future__ import annotations

import logging
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from mybigmovie import i18n, i18n_jinja
from mybigmovie.i18n import N_
from mybigmovie.mailer import compose
from mybigmovie.tokens import LinkTokens

log = logging.getLogger(__name__)
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "mail"),
                         autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
i18n_jinja.install(_templates)  # in the language of the request that sends it (the person at the page)

SUBJECTS = {"verify": N_("Confirm your e-mail address for MyBigMovie"),
            "already_member": N_("You already have a MyBigMovie account"),
            "reset": N_("Reset your MyBigMovie password"),
            "change_email": N_("Confirm your new e-mail address for MyBigMovie"),
            "address_changed": N_("Your MyBigMovie e-mail address was changed"),
            "password_changed": N_("Your MyBigMovie password was changed"),
            "account_deleted": N_("Your MyBigMovie account is deleted")}


class AccountMail:
    def __init__(self, mailer, tokens: LinkTokens, sender: str, site_url: str) -> None:
        self.mailer, self.tokens, self.sender, self.site_url = mailer, tokens, sender, site_url.rstrip("/")

    def verify(self, to: str, name: str, user_id: str, email_version: int) -> EmailMessage:
        token = self.tokens.make("verify", {"u": user_id, "v": email_version})
        return self._message("verify", to, name=name, link=self._link("/account/verify", token))

    def already_member(self, to: str, name: str) -> EmailMessage:
        return self._message("already_member", to, name=name)

    def reset(self, to: str, name: str, user_id: str, password_version: int) -> EmailMessage:
        token = self.tokens.make("reset", {"u": user_id, "v": password_version})
        return self._message("reset", to, name=name, link=self._link("/password/reset", token))

    def change_email(self, new_address: str, name: str, user_id: str, email_version: int) -> EmailMessage:
        token = self.tokens.make("change-email", {"u": user_id, "v": email_version, "e": new_address})
        return self._message("change_email", new_address, name=name, link=self._link("/account/email/confirm", token))

    def address_changed(self, old_address: str, name: str, new_address: str) -> EmailMessage:
        return self._message("address_changed", old_address, name=name, new_address=masked(new_address))

    def password_changed(self, to: str, name: str, reason: str) -> EmailMessage:
        return self._message("password_changed", to, name=name, reason=reason)

    def account_deleted(self, to: str, name: str, ratings_kept: bool) -> EmailMessage:
        return self._message("account_deleted", to, name=name, ratings_kept=ratings_kept)

    async def send(self, *messages: EmailMessage) -> None:
        for message in messages:
            try:
                await self.mailer.send(message)
            except Exception:  # noqa: BLE001 - any SMTP or network failure: logged, never raised into a response
                log.exception("could not send %r", message["Subject"])

    def _link(self, path: str, token: str) -> str:
        return f"{self.site_url}{path}?token={quote(token)}"

    def _message(self, kind: str, to: str, **context) -> EmailMessage:
        text = _templates.get_template(f"{kind}.txt").render(site_url=self.site_url, **context)
        return compose(self.sender, to, i18n.gettext(SUBJECTS[kind]), text, self.site_url)


def masked(address: str) -> str:
    """"a•••@example.org": enough for the owner to recognise, not enough to harvest."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"
