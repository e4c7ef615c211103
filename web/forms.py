"""Typed form input: every form is parsed into a msgspec Struct before anything reads it.

Only the fields a Struct declares are read (the CSRF token and anything else are ignored), values
are converted to their declared types, and a form that does not fit raises InvalidInput with a
message for the person who sent it.
"""
from __future__ import annotations

import uuid
from typing import Annotated, ClassVar, Literal, TypeVar

import msgspec
from litestar import Request
from litestar.params import QueryParameter

from domain.accounts import normalize_email
from domain.errors import N_, InvalidInput
from email_validator import EmailNotValidError, validate_email

F = TypeVar("F", bound="Form")
Next = Annotated[str, msgspec.Meta(max_length=2000)]
Secret = Annotated[str, msgspec.Meta(max_length=1024)]
Short = Annotated[str, msgspec.Meta(max_length=300)]
Token = Annotated[str, msgspec.Meta(max_length=1000)]

# The lists' filters, as typed query parameters. A blank choice arrives as "", so the decade is a
# checked string (the controller makes it a number).
Decade = Annotated[str, QueryParameter(pattern=r"^((18|19|20)\d0)?$")]
Genre = Annotated[str | None, QueryParameter(max_length=60)]
Hide = Annotated[str, QueryParameter(pattern=r"^(rated)?$")]  # "rated": a member's list without what they rated


class Form(msgspec.Struct, kw_only=True):
    PROBLEM: ClassVar[str] = N_("The form was not filled in correctly; please try again.")
    next: Next = ""


class CommandForm(Form, kw_only=True):
    """A form that sends a command: ``command_id`` is rendered fresh into each form, so the same
    form submitted twice is one command."""

    command_id: uuid.UUID


class RatingForm(CommandForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Choose a rating from 0.5 to 5 stars.")
    rating: float


class MarkForm(CommandForm, kw_only=True):
    marked: bool = True


class SignUpForm(CommandForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please fill in your name, e-mail address and password.")
    display_name: Short
    email: Short
    password: Secret


class LoginForm(Form, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please enter your e-mail address and password.")
    email: Short
    password: Secret


class EmailForm(Form, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please enter your e-mail address.")
    email: Short


class LinkForm(CommandForm, kw_only=True):
    """The POST behind an e-mailed link: the token it carried."""

    PROBLEM: ClassVar[str] = N_("This link is not valid. Ask for a new one.")
    token: Token


class MailLinkForm(Form, kw_only=True):
    """The POST behind a pick's link in the picks e-mail: the token it carried (its command id is
    derived from the token, so the same link posted twice records once)."""

    PROBLEM: ClassVar[str] = N_("This link is not valid. Open it from the e-mail again.")
    token: Token


class EmailPreferencesForm(CommandForm, kw_only=True):
    """Two checkboxes: an unticked one is not sent at all, so a missing field means "off"."""

    PROBLEM: ClassVar[str] = N_("Please tick or untick the boxes and save again.")
    weekly: bool = False
    shows: bool = False


class NewPasswordForm(LinkForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please choose a new password.")
    password: Secret


class ChangePasswordForm(CommandForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please enter your current password and a new one.")
    current_password: Secret
    password: Secret


class ChangeEmailForm(Form, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please enter the new address and your password.")
    email: Short
    current_password: Secret


class DeleteAccountForm(CommandForm, kw_only=True):
    PROBLEM: ClassVar[str] = N_("Please enter your password, choose what happens to your ratings and tick the box.")
    current_password: Secret
    ratings: Literal["keep", "remove"]
    confirm: bool = False

    def __post_init__(self) -> None:
        if not self.confirm:
            raise msgspec.ValidationError("the box was not ticked")


class QueueForm(Form, kw_only=True):
    """An operator's action on one of the workers' queues."""

    PROBLEM: ClassVar[str] = N_("Choose a queue.")
    queue: Short


class DeadLetterForm(QueueForm, kw_only=True):
    message_id: Short


class PurgeForm(QueueForm, kw_only=True):
    confirm: bool = False


async def parse_form(request: Request, form_type: type[F]) -> F:
    form = await request.form()
    fields = {name: form.get(name) for name in form_type.__struct_fields__ if form.get(name) is not None}
    try:
        return msgspec.convert(fields, form_type, strict=False)
    except msgspec.ValidationError:
        raise InvalidInput(form_type.PROBLEM) from None


def checked_email(text: str) -> str:
    """One strict mailbox (``local@domain``: no display name, no list, no quoted or IP-literal
    part), checked by email-validator without any network look-up, then normalised."""
    try:
        found = validate_email(text.strip(), check_deliverability=False, allow_quoted_local=False,
                               allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError:
        raise InvalidInput(N_("Please enter a valid e-mail address (like name@example.org).")) from None
    return normalize_email(found.normalized)


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to send someone after a form: only a path on this site (no "//host", no scheme)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 32 for char in target)):
        return default
    return target
