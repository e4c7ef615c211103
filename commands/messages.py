"""One message per user intent. ``command_id`` is chosen by the client (a hidden form field), so a
form submitted twice is the same command and appends once."""
from __future__ import annotations

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


class RecordPicksEmailed(Command, frozen=True, kw_only=True):
    user_id: str
    occasion: str
    movie_ids: tuple[int, ...]
