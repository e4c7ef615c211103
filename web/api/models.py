"""What the API sends and takes, as msgspec Structs: the OpenAPI schema is generated from these, so
it says exactly what a response holds."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from projections.history import HistoryEntry
from projections.views import Show, Title
from web.lists import CardGuess

Kind = Literal["movie", "show"]
Stars = Annotated[float, msgspec.Meta(ge=0.5, le=5.0, multiple_of=0.5, description="0.5 to 5, in half stars")]


class TitleOut(msgspec.Struct, frozen=True, kw_only=True):
    """A movie or a show as lists give it."""

    kind: Kind
    id: int
    title: str
    year: int | None
    genres: list[str]
    rating_count: int
    rating_mean: float | None
    runtime: int | None

    @classmethod
    def of(cls, title: Title) -> "TitleOut":
        return cls(kind=title.kind, id=title.id, title=title.title, year=title.year, genres=list(title.genres),
                   rating_count=title.rating_count, rating_mean=title.rating_mean, runtime=title.runtime)


class MovieOut(TitleOut, frozen=True, kw_only=True):
    overview: str | None
    directors: list[str]

    @classmethod
    def of(cls, title: Title) -> "MovieOut":
        return cls(**msgspec.structs.asdict(TitleOut.of(title)), overview=title.overview,
                   directors=list(title.directors))


class EpisodeOut(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    title: str
    airdate: str | None


class SeasonOut(msgspec.Struct, frozen=True, kw_only=True):
    season: int
    episodes: list[EpisodeOut]


class ShowOut(TitleOut, frozen=True, kw_only=True):
    overview: str | None
    seasons: list[SeasonOut]

    @classmethod
    def of(cls, show: Show) -> "ShowOut":
        seasons = [SeasonOut(season=number, episodes=[EpisodeOut(number=ep.number, title=ep.title, airdate=ep.airdate)
                                                      for ep in episodes]) for number, episodes in show.seasons.items()]
        return cls(**msgspec.structs.asdict(TitleOut.of(show)), overview=show.overview, seasons=seasons)


class TitlePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TitleOut]
    page: int
    next_page: int | None


class SearchResults(msgspec.Struct, frozen=True, kw_only=True):
    movies: list[TitleOut]
    shows: list[TitleOut]


class RatedTitleOut(msgspec.Struct, frozen=True, kw_only=True):
    """One of the member's ratings: ``title`` is null for a title no longer listed."""

    kind: Kind
    id: int
    title: str | None
    stars: float


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """Why a title is in the member's list: "because you rated <title> <stars>"..."""

    because: RatedTitleOut | None
    popular_in: str | None  # ...or "popular with members who like <genre>"
    place: int | None  # its place among that genre's popular titles


class Recommendation(msgspec.Struct, frozen=True, kw_only=True):
    title: TitleOut
    predicted_stars: float | None  # what the model thinks the member would give it
    reason: Reason | None

    @classmethod
    def of(cls, title: Title, guess: CardGuess | None) -> "Recommendation":
        if guess is None:
            return cls(title=TitleOut.of(title), predicted_stars=None, reason=None)
        because = RatedTitleOut(kind=guess.reason.kind, id=guess.reason.id, title=guess.reason.title,  # type: ignore[arg-type]
                                stars=guess.reason_stars or 0.0) if guess.reason else None
        reason = Reason(because=because, popular_in=guess.genre, place=guess.place) if because or guess.genre else None
        return cls(title=TitleOut.of(title), predicted_stars=guess.stars, reason=reason)


class Recommendations(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Recommendation]
    page: int
    next_page: int | None
    personal: bool  # in the model's order for the member (false: most popular first, no model yet)


class EpisodeRatingOut(msgspec.Struct, frozen=True, kw_only=True):
    show_id: int
    season: int
    episode: int
    stars: float


class Ratings(msgspec.Struct, frozen=True, kw_only=True):
    movies: list[RatedTitleOut]
    shows: list[RatedTitleOut]
    episodes: list[EpisodeRatingOut]


class RatingIn(msgspec.Struct, frozen=True, kw_only=True):
    """Other fields are ignored, as a form's are (web/forms.py): only ``stars`` is read."""

    stars: Stars


class HistoryItem(msgspec.Struct, frozen=True, kw_only=True):
    """One of the member's events, as /me/history words it."""

    position: int  # in the site's log: pass it as ``before`` for older entries
    at: datetime
    type: str  # the event's tag, as in the export ("movie-rated/1")
    subject: Kind | None  # what ``id`` is, for an event about a title
    id: int | None
    season: int | None
    episode: int | None
    stars: float | None
    previous_stars: float | None

    @classmethod
    def of(cls, entry: HistoryEntry) -> "HistoryItem":
        episode = entry.type.startswith("episode-")
        return cls(position=entry.position, at=entry.at, type=entry.type, subject=entry.subject,  # type: ignore[arg-type]
                   id=entry.number if entry.subject else None, season=entry.season if episode else None,
                   episode=entry.episode if episode else None, stars=entry.rating, previous_stars=entry.previous)


class HistoryOut(msgspec.Struct, frozen=True, kw_only=True):
    entries: list[HistoryItem]  # newest first
    older: int | None  # the ``before`` that gives the next, older page; null at the oldest
