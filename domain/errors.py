"""Domain errors: each carries a message fit to show to a person."""


class DomainError(Exception):
    """A rule of the domain was broken; the message says which, in plain words."""


class InvalidRating(DomainError):
    pass


class UnknownTitle(DomainError):
    pass


class EmailTaken(DomainError):
    """The address already has an account (``user_id``). Never shown as such to whoever typed it:
    the address's owner is told by e-mail instead, so the site does not reveal who is a member."""

    def __init__(self, message: str = "An account with this e-mail address already exists.",
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
