"""Every fact MyBigMovie records, as frozen msgspec Structs with stable, versioned tags.

A tag (``"movie-rated/1"``) is part of the stored data: never rename one. A change of meaning or
shape gets a new tag (``/2``) and both stay decodable, so the oldest event in the log still loads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

import msgspec

from domain.errors import MalformedEvent


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    event_id: str
    stream: str
    occurred_at: datetime


# --- accounts -------------------------------------------------------------------------------
# Personal data (e-mail address, name, password hash) never stands in clear in an event: it is
# sealed with the member's own key, kept outside the log (see commands/keyring.py). Deleting that
# key makes every copy in the log unreadable while the events themselves, and replay, stay intact.

class Sealed(msgspec.Struct, frozen=True, kw_only=True):
    """Personal fields encrypted with the member's key (AES-256-GCM; the user id is bound in as
    associated data, so a blob copied onto another member's event does not open)."""

    nonce: bytes
    data: bytes


class UserSignedUpV1(Event, frozen=True, kw_only=True, tag="user-signed-up/1"):
    """The first shape, with personal data in clear. No longer written: ``mybigmovie migrate``
    rewrites these into ``user-signed-up/2`` (see mybigmovie/migrations.py for why a rewrite)."""

    user_id: str
    email: str
    display_name: str
    password_hash: str


class UserSignedUp(Event, frozen=True, kw_only=True, tag="user-signed-up/2"):
    """``personal`` opens to {"email", "display_name", "password_hash"}. The address is not yet
    verified: the member may not log in, and gets no picks, until ``EmailVerified``."""

    user_id: str
    personal: Sealed


class EmailVerified(Event, frozen=True, kw_only=True, tag="email-verified/1"):
    """The member proved they read mail at their address (the ``email_version``-th one they gave)."""

    user_id: str
    email_version: int


class PasswordChanged(Event, frozen=True, kw_only=True, tag="password-changed/1"):
    """``personal`` opens to {"password_hash"}; ``reason`` is "change" (knew the old one) or "reset"
    (proved the address instead). Every session of the member ends with it."""

    user_id: str
    personal: Sealed
    reason: str


class EmailChanged(Event, frozen=True, kw_only=True, tag="email-changed/1"):
    """``personal`` opens to {"email"}: the new address, verified by the link sent to it."""

    user_id: str
    personal: Sealed
    email_version: int


class SessionsEnded(Event, frozen=True, kw_only=True, tag="sessions-ended/1"):
    """"Log out everywhere": every session opened before this event stops working."""

    user_id: str


class AccountDeleted(Event, frozen=True, kw_only=True, tag="account-deleted/1"):
    """The member deleted their account; their key is destroyed right after, so everything sealed
    is unreadable for good. ``ratings_kept``: their ratings stay as anonymous signal (a "deleted
    member" in audits and training); otherwise the same commit removes them one by one."""

    user_id: str
    ratings_kept: bool


class EmailPreferencesChanged(Event, frozen=True, kw_only=True, tag="email-preferences-changed/1"):
    """What the member wants by e-mail: the weekly picks (``weekly``) and TV shows among them
    (``shows``). Both are on until the first of these. Unsubscribing from an e-mail's link records
    it with ``weekly`` off (and ``shows`` as it was)."""

    user_id: str
    weekly: bool
    shows: bool


class LanguagePreferenceChanged(Event, frozen=True, kw_only=True, tag="language-preference-changed/1"):
    """The language the member reads the site and their e-mails in ("en" or "fr", see
    domain.accounts.LANGUAGES). Without one: the browser's, or English."""

    user_id: str
    language: str


# --- personal API tokens ------------------------------------------------------------------
# A member's credentials for the JSON API (web/api). The secret itself is never recorded: only its
# SHA-256, which is all a request's token is checked against. Every event that ends the member's
# sessions (a new password, "log out everywhere", deletion) ends their tokens too.

class ApiTokenCreated(Event, frozen=True, kw_only=True, tag="api-token-created/1"):
    """``personal`` opens to {"name"}: the label the member gave it. ``scope`` is "read" or "read-write"."""

    user_id: str
    token_id: str
    token_hash: str  # hex SHA-256 of the whole token
    scope: str
    personal: Sealed


class ApiTokenRevoked(Event, frozen=True, kw_only=True, tag="api-token-revoked/1"):
    user_id: str
    token_id: str


# --- movie ratings and lists ----------------------------------------------------------------

class MovieRated(Event, frozen=True, kw_only=True, tag="movie-rated/1"):
    user_id: str
    movie_id: int
    rating: float


class MovieRatingChanged(Event, frozen=True, kw_only=True, tag="movie-rating-changed/1"):
    user_id: str
    movie_id: int
    rating: float
    previous: float


class MovieRatingRemoved(Event, frozen=True, kw_only=True, tag="movie-rating-removed/1"):
    user_id: str
    movie_id: int
    previous: float  # the rating removed, so read models can keep sums without per-user maps


class MarkedNotSeen(Event, frozen=True, kw_only=True, tag="marked-not-seen/1"):
    user_id: str
    movie_id: int


class NotSeenUnmarked(Event, frozen=True, kw_only=True, tag="not-seen-unmarked/1"):
    user_id: str
    movie_id: int


class MarkedNotInterested(Event, frozen=True, kw_only=True, tag="marked-not-interested/1"):
    user_id: str
    movie_id: int


class NotInterestedUnmarked(Event, frozen=True, kw_only=True, tag="not-interested-unmarked/1"):
    user_id: str
    movie_id: int


# --- TV ratings and lists ------------------------------------------------------------------

class ShowRated(Event, frozen=True, kw_only=True, tag="show-rated/1"):
    user_id: str
    show_id: int
    rating: float


class EpisodeRated(Event, frozen=True, kw_only=True, tag="episode-rated/1"):
    user_id: str
    show_id: int
    season: int
    episode: int
    rating: float


class ShowRatingRemoved(Event, frozen=True, kw_only=True, tag="show-rating-removed/1"):
    user_id: str
    show_id: int


class EpisodeRatingRemoved(Event, frozen=True, kw_only=True, tag="episode-rating-removed/1"):
    user_id: str
    show_id: int
    season: int
    episode: int


# A show put aside, as a movie is above: a show "not seen" is not one to ask the member to rate; one
# they are "not interested" in leaves their personal lists of shows and their picks e-mails.

class ShowMarkedNotSeen(Event, frozen=True, kw_only=True, tag="show-marked-not-seen/1"):
    user_id: str
    show_id: int


class ShowNotSeenUnmarked(Event, frozen=True, kw_only=True, tag="show-not-seen-unmarked/1"):
    user_id: str
    show_id: int


class ShowMarkedNotInterested(Event, frozen=True, kw_only=True, tag="show-marked-not-interested/1"):
    user_id: str
    show_id: int


class ShowNotInterestedUnmarked(Event, frozen=True, kw_only=True, tag="show-not-interested-unmarked/1"):
    user_id: str
    show_id: int


# --- e-mails -------------------------------------------------------------------------------

# --- operators -----------------------------------------------------------------------------
# Members who may see and work the operator page (/ops): granted and revoked from the CLI.

class OperatorRoleGranted(Event, frozen=True, kw_only=True, tag="operator-role-granted/1"):
    user_id: str


class OperatorRoleRevoked(Event, frozen=True, kw_only=True, tag="operator-role-revoked/1"):
    user_id: str


# Every e-mail of picks is a *mailing* with a stream of its own (domain/mailings.py): planned in the log
# before anything is sent (the outbox), claimed by one worker at a time, then recorded as sent, failed
# or skipped. Older logs hold PicksEmailed in the member's own stream, with no mailing before it.

class MailingPlanned(Event, frozen=True, kw_only=True, tag="mailing-planned/1"):
    """Picks for ``occasion`` ("welcome" or an ISO week like "2026-W48") are to be e-mailed to the
    member; every attempt sends the same ``message_id``."""

    user_id: str
    occasion: str
    message_id: str


class MailingClaimed(Event, frozen=True, kw_only=True, tag="mailing-claimed/1"):
    """A worker's lease on sending the mailing until ``until``. The claim's version in the stream is
    its fencing token: only the holder of the newest claim can record the outcome."""

    user_id: str
    occasion: str
    attempt: int
    worker: str
    until: datetime


class MailingFailed(Event, frozen=True, kw_only=True, tag="mailing-failed/1"):
    """An attempt did not get the message accepted (the SMTP server refused or did not answer)."""

    user_id: str
    occasion: str
    attempt: int
    error: str


class MailingSkipped(Event, frozen=True, kw_only=True, tag="mailing-skipped/1"):
    """Nothing was sent, for good: the account is gone or unconfirmed, the member opted out, or
    there was nothing left to pick."""

    user_id: str
    occasion: str
    reason: str


class PicksEmailed(Event, frozen=True, kw_only=True, tag="picks-emailed/1"):
    """The picks were accepted by the SMTP server for the user; ``occasion`` is "welcome" or an ISO week."""

    user_id: str
    occasion: str
    movie_ids: tuple[int, ...]
    show_ids: tuple[int, ...] = ()


class WeeklyRunStarted(Event, frozen=True, kw_only=True, tag="weekly-run-started/1"):
    """The Monday run for ``week`` began (one per week: the first event of the week's own stream)."""

    week: str
    due_at: datetime


class WeeklyRunPlanned(Event, frozen=True, kw_only=True, tag="weekly-run-planned/1"):
    """Every member due a mailing for ``week`` has one planned in the log."""

    week: str
    mailings: int


# --- catalog --------------------------------------------------------------------------------
# Titles and historical ratings come from public data sets (see commands/importers). Catalog events
# are committed many to a commit, on a few shard streams, so that 20k listings take seconds.

class RatingSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Ratings counted elsewhere (e.g. the 33.8M ml-latest ratings), on a 0.5-5 scale."""

    count: int
    mean: float
    source: str


class MovieListed(Event, frozen=True, kw_only=True, tag="movie-listed/1"):
    movie_id: int  # the MovieLens movieId
    title: str  # display form: "The Godfather", not "Godfather, The"
    year: int | None = None
    genres: tuple[str, ...] = ()
    imdb_id: str | None = None  # "tt0068646"
    tmdb_id: int | None = None
    # Added after the first movie-listed/1 events; optional, so those still decode unchanged.
    aka: tuple[str, ...] = ()  # other titles given by the source ("Le fabuleux destin d'Amélie Poulain")
    directors: tuple[str, ...] = ()
    runtime: int | None = None  # minutes
    overview: str | None = None
    reference: RatingSummary | None = None
    source: str | None = None


class MovieMetadataCorrected(Event, frozen=True, kw_only=True, tag="movie-metadata-corrected/1"):
    """Some of a listed movie's metadata set or corrected; only the fields given change."""

    movie_id: int
    source: str
    title: str | msgspec.UnsetType = msgspec.UNSET
    year: int | None | msgspec.UnsetType = msgspec.UNSET
    genres: tuple[str, ...] | msgspec.UnsetType = msgspec.UNSET
    imdb_id: str | None | msgspec.UnsetType = msgspec.UNSET
    tmdb_id: int | None | msgspec.UnsetType = msgspec.UNSET
    aka: tuple[str, ...] | msgspec.UnsetType = msgspec.UNSET
    directors: tuple[str, ...] | msgspec.UnsetType = msgspec.UNSET
    runtime: int | None | msgspec.UnsetType = msgspec.UNSET
    overview: str | None | msgspec.UnsetType = msgspec.UNSET
    reference: RatingSummary | None | msgspec.UnsetType = msgspec.UNSET


class EpisodeEntry(msgspec.Struct, frozen=True, array_like=True):
    """One episode of a show; stored as a short array (shows carry hundreds of them)."""

    season: int
    number: int
    title: str | None = None  # None when no source names it: pages show "Episode N", never a guess
    airdate: str | None = None  # ISO date
    imdb_rating: float | None = None  # IMDb's 1-10 scale
    imdb_votes: int | None = None


class ShowListed(Event, frozen=True, kw_only=True, tag="show-listed/1"):
    show_id: int  # the number of the IMDb tconst (tt0944947 -> 944947), else an own id (importers.tv.own_show_id)
    title: str
    imdb_id: str | None = None  # None: no source gave one (a show only the TVmaze table names)
    year: int | None = None  # premiere year
    end_year: int | None = None
    genres: tuple[str, ...] = ()
    summary: str | None = None  # plain text
    network: str | None = None
    kind: str | None = None  # TVmaze type: Scripted, Reality, Animation…
    language: str | None = None
    runtime: int | None = None
    tvmaze_id: int | None = None
    tvmaze_rating: float | None = None  # TVmaze's audience rating, 0-10 (no count comes with it)
    imdb_rating: float | None = None
    imdb_votes: int | None = None
    episodes: tuple[EpisodeEntry, ...] = ()
    source: str | None = None


class ShowMetadataCorrected(Event, frozen=True, kw_only=True, tag="show-metadata-corrected/1"):
    """Some of a listed show's metadata set or corrected; ``episodes``, when given, replaces them all."""

    show_id: int
    source: str
    title: str | msgspec.UnsetType = msgspec.UNSET
    imdb_id: str | msgspec.UnsetType = msgspec.UNSET
    year: int | None | msgspec.UnsetType = msgspec.UNSET
    end_year: int | None | msgspec.UnsetType = msgspec.UNSET
    genres: tuple[str, ...] | msgspec.UnsetType = msgspec.UNSET
    summary: str | None | msgspec.UnsetType = msgspec.UNSET
    network: str | None | msgspec.UnsetType = msgspec.UNSET
    kind: str | None | msgspec.UnsetType = msgspec.UNSET
    language: str | None | msgspec.UnsetType = msgspec.UNSET
    runtime: int | None | msgspec.UnsetType = msgspec.UNSET
    tvmaze_id: int | None | msgspec.UnsetType = msgspec.UNSET
    tvmaze_rating: float | None | msgspec.UnsetType = msgspec.UNSET
    imdb_rating: float | None | msgspec.UnsetType = msgspec.UNSET
    imdb_votes: int | None | msgspec.UnsetType = msgspec.UNSET
    episodes: tuple[EpisodeEntry, ...] | msgspec.UnsetType = msgspec.UNSET


class HistoricalRatingsImported(Event, frozen=True, kw_only=True, tag="historical-ratings-imported/1"):
    """A batch of ratings from a data set, by its own users (not site accounts).

    The ratings are packed little-endian arrays, one entry per rating: ``users`` int32 (the data
    set's user ids), ``movies`` int32 (MovieLens movieIds), ``half_stars`` uint8 (rating × 2),
    ``timestamps`` uint32 (unix seconds, 0 when unknown). Thousands per event keep import and
    replay fast. ``synthetic`` batches come from the generator: benchmarks only, never mixed into
    a real site's figures unless asked.
    """

    source: str  # "movielens-small", "ml-100k", "ml-1m", "synthetic-1m-seed42", …
    batch: int  # 0, 1, 2… within the source
    synthetic: bool = False
    users: bytes
    movies: bytes
    half_stars: bytes
    timestamps: bytes

    @property
    def count(self) -> int:
        return len(self.half_stars)

    def arrays(self):
        """(users int32, movies int32, ratings float32, timestamps uint32) as numpy arrays."""
        import numpy as np  # only readers of rating batches pay for numpy

        ratings = np.frombuffer(self.half_stars, dtype=np.uint8).astype(np.float32) / 2
        return (np.frombuffer(self.users, dtype="<i4"), np.frombuffer(self.movies, dtype="<i4"), ratings,
                np.frombuffer(self.timestamps, dtype="<u4"))


AnyEvent = Union[
    UserSignedUpV1,
    UserSignedUp,
    EmailVerified,
    PasswordChanged,
    EmailChanged,
    SessionsEnded,
    AccountDeleted,
    EmailPreferencesChanged,
    ApiTokenCreated,
    ApiTokenRevoked,
    LanguagePreferenceChanged,
    MovieRated,
    MovieRatingChanged,
    MovieRatingRemoved,
    MarkedNotSeen,
    NotSeenUnmarked,
    MarkedNotInterested,
    NotInterestedUnmarked,
    ShowRated,
    EpisodeRated,
    ShowRatingRemoved,
    EpisodeRatingRemoved,
    ShowMarkedNotSeen,
    ShowNotSeenUnmarked,
    ShowMarkedNotInterested,
    ShowNotInterestedUnmarked,
    OperatorRoleGranted,
    OperatorRoleRevoked,
    MailingPlanned,
    MailingClaimed,
    MailingFailed,
    MailingSkipped,
    PicksEmailed,
    WeeklyRunStarted,
    WeeklyRunPlanned,
    MovieListed,
    MovieMetadataCorrected,
    ShowListed,
    ShowMetadataCorrected,
    HistoricalRatingsImported,
]

EVENT_TYPES: dict[str, type[Event]] = {cls.__struct_config__.tag: cls for cls in AnyEvent.__args__}


def to_document(event: Event) -> dict:
    """The event as a BSON-ready dict (datetimes and bytes stay as they are, the tag is under ``type``)."""
    return msgspec.to_builtins(event, builtin_types=(datetime, bytes))


def from_document(document: dict) -> Event:
    """Decode any stored event; an unknown tag or a malformed field raises MalformedEvent."""
    tag = document.get("type") if isinstance(document, dict) else None
    if tag not in EVENT_TYPES:
        raise MalformedEvent(f"unknown event type {tag!r}")
    try:
        # Converting to the tagged class directly is ~20x faster than to the AnyEvent union.
        event = msgspec.convert(document, EVENT_TYPES[tag])
    except msgspec.ValidationError as error:
        raise MalformedEvent(f"cannot decode event (type {tag!r}): {error}") from None
    if event.occurred_at.tzinfo is None:  # BSON datetimes come back naive, in UTC
        event = msgspec.structs.replace(event, occurred_at=event.occurred_at.replace(tzinfo=timezone.utc))
    return event
