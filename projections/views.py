"""What the read side hands out: small, immutable views over read-model documents. Pages, e-mails
and workers depend on these, not on how a read model names its fields; this module is also the one
home of the rules every reader shares (what "listed" means, which genres count)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlencode

from projections.shows import label


def listed(doc: dict) -> bool:
    """Whether a title is shown anywhere. Ratings can arrive for a title before (or without) its
    listing; such documents exist in the read models but are not titles yet."""
    return doc.get("listed") is True and bool(doc.get("title"))


def popular_key(doc: dict) -> tuple:
    """The popular order: damped mean first (three 5-star ratings must not outrank thousands of
    4.5s), then how many rated it, then (for shows nobody here or on IMDb rated: the catalog carried
    offline) TVmaze's audience rating, then the title."""
    return (-(doc.get("damped_mean") or 0.0), -(doc.get("rating_count") or 0), -(doc.get("tvmaze_rating") or 0.0),
            doc.get("title") or "")


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Episode:
    season: int
    number: int
    title: str
    airdate: str | None = None


@dataclass(frozen=True, slots=True)
class Show(Title):
    seasons: dict[int, list[Episode]] = field(default_factory=dict)

    @classmethod
    def from_show_document(cls, doc: dict) -> "Show":
        """Seasons in order, each with its episodes in order, named as ``projections.shows.label`` says."""
        seasons: dict[int, list[Episode]] = {}
        for value in (doc.get("episodes") or {}).values():
            info = _episode_fields(value)
            if isinstance(info.get("season"), int) and isinstance(info.get("number"), int):
                seasons.setdefault(info["season"], []).append(
                    Episode(info["season"], info["number"], label(info), info.get("airdate")))
        ordered = {s: sorted(eps, key=lambda e: e.number) for s, eps in sorted(seasons.items())}
        base = Title.from_document("show", doc)
        return cls(**{name: getattr(base, name) for name in Title.__dataclass_fields__}, seasons=ordered)

    def as_title(self) -> Title:
        """The show without its seasons: a plain Title, hashable (a card's cache key)."""
        return Title(**{name: getattr(self, name) for name in Title.__dataclass_fields__})


def _episode_fields(value) -> dict:
    """An episode as a dict, or as the event's short array [season, number, title, airdate, ...]."""
    if isinstance(value, dict):
        return {"title": None, **value}
    if isinstance(value, (list, tuple)):
        return dict(zip(("season", "number", "title", "airdate"), value))
    return {}


@dataclass(frozen=True)
class LastPicks:
    """The picks of the newest e-mail sent to a member."""

    occasion: str
    movie_ids: tuple[int, ...]
    show_ids: tuple[int, ...] = ()

    @classmethod
    def from_document(cls, doc: dict | None) -> "LastPicks | None":
        if not doc:
            return None
        return cls(str(doc["occasion"]), tuple(int(i) for i in doc.get("movies", ())),
                   tuple(int(i) for i in doc.get("shows", ())))


@dataclass(frozen=True)
class Member:
    """A signed-up, verified user as the pages need them: the user_profiles read model with the
    member's personal fields opened (see ``ReadSide.member``)."""

    user_id: str
    display_name: str
    email: str
    ratings: dict[int, float]
    not_seen: frozenset[int]
    not_interested: frozenset[int]
    show_ratings: dict[int, float]
    episode_ratings: dict[str, float]
    show_not_seen: frozenset[int] = frozenset()
    show_not_interested: frozenset[int] = frozenset()
    session_epoch: int = 0
    email_version: int = 1
    weekly_email: bool = True
    email_shows: bool = True
    emailed_movies: frozenset[int] = frozenset()
    emailed_shows: frozenset[int] = frozenset()
    last_picks: LastPicks | None = None
    operator: bool = False  # may use the operator page (granted from the CLI)
    language: str | None = None  # their own choice of language (mybigmovie.i18n); None: their browser's

    def rating_of_show(self, show_id: int, episode: tuple[int, int] | None = None) -> float | None:
        """The member's rating of a show, or of one of its episodes ((season, number))."""
        if episode:
            return self.episode_ratings.get(f"{show_id}:{episode[0]}:{episode[1]}")
        return self.show_ratings.get(show_id)

    @classmethod
    def from_profile(cls, doc: dict, personal: dict) -> "Member":
        return cls(user_id=doc["_id"], display_name=personal["display_name"], email=personal["email"],
                   ratings={int(k): float(v) for k, v in doc.get("ratings", {}).items()},
                   not_seen=frozenset(doc.get("not_seen", ())), not_interested=frozenset(doc.get("not_interested", ())),
                   show_ratings={int(k): float(v) for k, v in doc.get("show_ratings", {}).items()},
                   episode_ratings=dict(doc.get("episode_ratings", {})),
                   # A profile from before shows could be put aside: none is.
                   show_not_seen=frozenset(doc.get("show_not_seen", ())),
                   show_not_interested=frozenset(doc.get("show_not_interested", ())),
                   session_epoch=int(doc.get("session_epoch", 0)), email_version=int(doc.get("email_version", 1)),
                   # A profile from before e-mail preferences existed: everything on, nothing sent.
                   weekly_email=bool(doc.get("weekly_email", True)), email_shows=bool(doc.get("email_shows", True)),
                   emailed_movies=frozenset(doc.get("emailed_movies", ())),
                   emailed_shows=frozenset(doc.get("emailed_shows", ())),
                   last_picks=LastPicks.from_document(doc.get("last_picks")), operator=bool(doc.get("operator")),
                   language=doc.get("language"))


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
    LIST: ClassVar[str] = "/movies"  # the list it filters
    genre: str | None = None
    decade: int | None = None
    hide_rated: bool = False  # a member's own: leave out what they rated

    def matches(self, title: Title) -> bool:
        if self.genre and self.genre not in title.genres:
            return False
        return self.decade is None or (title.year is not None and self.decade <= title.year <= self.decade + 9)

    def url(self, page: int = 1) -> str:
        """The list with this filter, at ``page``."""
        params = {"genre": self.genre, "decade": self.decade, "hide": "rated" if self.hide_rated else None,
                  "page": page if page > 1 else None}
        query = urlencode({key: value for key, value in params.items() if value})
        return f"{self.LIST}?{query}" if query else self.LIST


@dataclass(frozen=True)
class ShowFilter(MovieFilter):
    """The same filter on the shows list (by a show's genres and premiere year)."""

    LIST: ClassVar[str] = "/shows"
