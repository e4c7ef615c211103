"""Domain errors: each carries a message fit to show to a person."""


class DomainError(Exception):
    """A rule of the domain was broken; the message says which, in plain words."""


class InvalidRating(DomainError):
    pass


class UnknownTitle(DomainError):
    pass


class EmailTaken(DomainError):
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
