"""Domain errors: each carries a message fit to show to a person, in the reader's language.

The messages are English source text marked with ``N_`` (extracted into the catalogues, see
docs/I18N.md) and translated when read: ``str(error)`` goes through ``translate``, which the
composition of the app sets to the current language's gettext (mybigmovie.i18n); until then, and
for the command line, it is English as written.
"""
from typing import Callable


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation, translate when read"
    return message


translate: Callable[[str], str] = N_


class DomainError(Exception):
    """A rule of the domain was broken; the message says which, in plain words. ``params`` fill in
    its ``%(name)s`` places after it is translated."""

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message)
        self.params = params

    def __str__(self) -> str:
        message = str(self.args[0]) if self.args else ""
        translated = translate(message) if message else message
        return translated % self.params if self.params else translated


class InvalidRating(DomainError):
    pass


class UnknownTitle(DomainError):
    pass


class EmailTaken(DomainError):
    """The address already has an account (``user_id``). Never shown as such to whoever typed it:
    the address's owner is told by e-mail instead, so the site does not reveal who is a member."""

    def __init__(self, message: str = N_("An account with this e-mail address already exists."),
                 user_id: str | None = None) -> None:
        super().__init__(message)
        self.user_id = user_id


class InvalidLink(DomainError):
    """A signed link that was good once and is no longer (used, expired, or for an old address)."""


class UnverifiedAccount(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class UnknownUser(DomainError):
    pass


class MalformedEvent(DomainError):
    """A stored or submitted event could not be decoded (unknown tag, missing or mistyped field)."""


class ConcurrencyError(Exception):
    """The stream moved on since it was read: the expected version no longer holds."""


class DuplicateEventError(Exception):
    """An event id was already committed with a different payload."""
