"""One message per user intent. ``command_id`` is chosen by the client (a hidden form field), so a
form submitted twice is the same command and appends once."""
from __future__ import annotations

from typing import Literal

import msgspec

from domain.errors import InvalidInput


class Command(msgspec.Struct, frozen=True, kw_only=True):
    command_id: str


def validated(command: Command) -> Command:
    """The command with every field checked against its declared type (Structs do not check on
    construction); a mistyped field raises InvalidInput naming it."""
    try:
        return msgspec.convert(msgspec.to_builtins(command), type(command))
    except msgspec.ValidationError as error:
        raise InvalidInput(f"{type(command).__name__}: {error}") from None


class SignUp(Command, frozen=True, kw_only=True):
    email: str
    password: str
    display_name: str


class VerifyEmail(Command, frozen=True, kw_only=True):
    user_id: str
    email_version: int


class ResetPassword(Command, frozen=True, kw_only=True):
    user_id: str
    password: str
    password_version: int  # the password the reset link was made for: the link works once


class ChangePassword(Command, frozen=True, kw_only=True):
    """Sent only after the member's current password was checked."""

    user_id: str
    password: str


class ChangeEmail(Command, frozen=True, kw_only=True):
    user_id: str
    new_email: str
    email_version: int  # the address the confirmation link replaces: the link works once


class EndSessions(Command, frozen=True, kw_only=True):
    user_id: str


class DeleteAccount(Command, frozen=True, kw_only=True):
    user_id: str
    keep_ratings: bool


class ChangeEmailPreferences(Command, frozen=True, kw_only=True):
    """None keeps a choice as it is (the one-click unsubscribe sends ``weekly=False`` only)."""

    user_id: str
    weekly: bool | None = None
    shows: bool | None = None


class ChooseLanguage(Command, frozen=True, kw_only=True):
    user_id: str
    language: str  # one of domain.accounts.LANGUAGES


class CreateApiToken(Command, frozen=True, kw_only=True):
    """A personal API token: the web layer made the secret and sends only its hash (web/api/tokens.py)."""

    user_id: str
    token_id: str
    token_hash: str
    scope: str  # "read" or "read-write" (domain.api_tokens.SCOPES)
    name: str


class RevokeApiToken(Command, frozen=True, kw_only=True):
    user_id: str
    token_id: str


class RateMovie(Command, frozen=True, kw_only=True):
    user_id: str
    movie_id: int
    rating: float


class RemoveMovieRating(Command, frozen=True, kw_only=True):
    user_id: str
    movie_id: int


class MarkNotSeen(Command, frozen=True, kw_only=True):
    user_id: str
    movie_id: int
    marked: bool = True


class MarkNotInterested(Command, frozen=True, kw_only=True):
    user_id: str
    movie_id: int
    marked: bool = True


class ImportRatings(Command, frozen=True, kw_only=True):
    """Rate these titles (an import's batch: mybigmovie.ratings_import), each unless already rated."""

    user_id: str
    source: str  # "letterboxd", "imdb"
    ratings: tuple[tuple[Literal["movie", "show"], int, float], ...]  # (kind, id, stars)


class RateShow(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int
    rating: float


class RateEpisode(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int
    season: int
    episode: int
    rating: float


class RemoveShowRating(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int


class RemoveEpisodeRating(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int
    season: int
    episode: int


class MarkShowNotSeen(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int
    marked: bool = True


class MarkShowNotInterested(Command, frozen=True, kw_only=True):
    user_id: str
    show_id: int
    marked: bool = True


class SetOperatorRole(Command, frozen=True, kw_only=True):
    user_id: str
    operator: bool
