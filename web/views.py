"""What the pages show, as small views over read-model documents: templates depend on these,
not on how a read model names its fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlencode

from mybigmovie.recommendations import taste

# Ratings can arrive for a movie before (or without) its listing; such documents are not shown.
LISTED = {"listed": {"$ne": False}}


@dataclass(frozen=True)
class Title:
    id: int
    kind: str  # "movie" or "show"
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    rating_count: int = 0
    rating_mean: float | None = None
    overview: str | None = None
    runtime: int | None = None
    directors: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, kind: str, doc: dict) -> "Title":
        genres = tuple(g for g in doc.get("genres") or () if g and g != "(no genres listed)")
        return cls(id=int(doc["_id"]), kind=kind, title=str(doc.get("title") or f"#{doc['_id']}"),
                   year=doc.get("year"), genres=genres, rating_count=int(doc.get("rating_count") or 0),
                   rating_mean=doc.get("rating_mean"), overview=doc.get("overview") or doc.get("summary"),
                   runtime=doc.get("runtime"), directors=tuple(doc.get("directors") or ()))


@dataclass(frozen=True)
class Episode:
    season: int
    number: int
    title: str
    airdate: str | None = None


@dataclass(frozen=True)
class Show(Title):
    seasons: dict[int, list[Episode]] = field(default_factory=dict)

    @classmethod
    def from_show_document(cls, doc: dict) -> "Show":
        seasons: dict[int, list[Episode]] = {}
        for key, value in (doc.get("episodes") or {}).items():
            season, _, number = key.partition(":")
            if season.isdigit() and number.isdigit():
                info = _episode_fields(value)
                name = info.get("title") or info.get("label") or f"Episode {int(number)}"
                seasons.setdefault(int(season), []).append(
                    Episode(int(season), int(number), str(name), info.get("airdate")))
        ordered = {s: sorted(eps, key=lambda e: e.number) for s, eps in sorted(seasons.items())}
        base = Title.from_document("show", doc)
        return cls(**{name: getattr(base, name) for name in Title.__dataclass_fields__}, seasons=ordered)


def _episode_fields(value) -> dict:
    """An episode as a dict, or as the event's short array [season, number, title, airdate, ...]."""
    if isinstance(value, dict):
        return value
    if isinstance(value, (list, tuple)):
        return dict(zip(("season", "number", "title", "airdate"), value))
    return {}


@dataclass(frozen=True)
class Member:
    """A signed-up, verified user as the pages need them: the user_profiles read model with the
    member's personal fields opened (see ``Reads.member``)."""

    user_id: str
    display_name: str
    email: str
    ratings: dict[int, float]
    not_seen: frozenset[int]
    not_interested: frozenset[int]
    show_ratings: dict[int, float]
    episode_ratings: dict[str, float]
    session_epoch: int = 0
    email_version: int = 1

    @classmethod
    def from_profile(cls, doc: dict, personal: dict) -> "Member":
        return cls(user_id=doc["_id"], display_name=personal["display_name"], email=personal["email"],
                   ratings={int(k): float(v) for k, v in doc.get("ratings", {}).items()},
                   not_seen=frozenset(doc.get("not_seen", ())), not_interested=frozenset(doc.get("not_interested", ())),
                   show_ratings={int(k): float(v) for k, v in doc.get("show_ratings", {}).items()},
                   episode_ratings=dict(doc.get("episode_ratings", {})),
                   session_epoch=int(doc.get("session_epoch", 0)), email_version=int(doc.get("email_version", 1)))

    @property
    def taste(self) -> dict[int, float]:
        """Every movie and show they rated, as the recommender's items."""
        return taste(self.ratings, self.show_ratings, self.episode_ratings)


@dataclass(frozen=True)
class Credentials:
    """What logging in, and the account e-mails, need of an account; never handed to a template."""

    user_id: str
    email: str
    display_name: str
    password_hash: str
    verified: bool
    email_version: int
    password_version: int
    session_epoch: int


@dataclass(frozen=True)
class MovieFilter:
    genre: str | None = None
    decade: int | None = None

    def query(self, exclude: Iterable[int] = ()) -> dict:
        query: dict = dict(LISTED)
        if self.genre:
            query["genres"] = {"$in": [self.genre]}  # not an equality: nx-27017 misses it on an indexed array
        if self.decade is not None:
            query["year"] = {"$gte": self.decade, "$lte": self.decade + 9}
        if excluded := sorted(exclude):
            query["_id"] = {"$nin": excluded}
        return query

    def url(self, page: int = 1) -> str:
        """The movies list with this filter, at ``page``."""
        params = {"genre": self.genre, "decade": self.decade, "page": page if page > 1 else None}
        query = urlencode({key: value for key, value in params.items() if value})
        return f"/movies?{query}" if query else "/movies"
