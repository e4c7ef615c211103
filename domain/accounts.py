"""A user's account: its state folded from the user's stream, and the pure decisions on it.

Each decision takes the current state and the facts it needs (does the title exist?) and returns
the events to record — or raises a DomainError. No I/O here.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterable

import msgspec

from domain import events as e
from domain.errors import (N_, EmailTaken, InvalidInput, InvalidLink, InvalidRating, UnknownTitle, UnknownUser,
                           UnverifiedAccount)

# Fixed forever: new user ids are derived with it (see new_user_id).
_USERS = uuid.UUID("4b0a1c56-2f5e-4d6e-9a43-6d2b8f1e7c10")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = frozenset({"en", "fr"})  # the languages the site speaks (mybigmovie.i18n.Language)


def normalize_email(email: str) -> str:
    """One strict mailbox: ``local@domain``, lower-cased, no display name, no list, no comment.
    (The web layer checks the full syntax with email-validator first; this is the domain's floor.)"""
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email) or any(c in email for c in ',;<>()[]"\\:'):
        raise InvalidInput(N_("Please enter a valid e-mail address."))
    return email


def new_user_id(command_id: str, email: str) -> str:
    """The id of the account a sign-up creates. Derived from the sign-up command (so a resent form
    makes the same account) and never from the address alone: a user id found in the log must not
    lead back to an address once the member's key is destroyed."""
    return str(uuid.uuid5(_USERS, f"{command_id}/{normalize_email(email)}"))


def stream_for(user_id: str) -> str:
    return f"user-{user_id}"


def check_rating(rating: float) -> float:
    if not 0.5 <= rating <= 5.0 or rating * 2 != int(rating * 2):
        raise InvalidRating(N_("A rating is 0.5 to 5 stars in half steps, not %(rating)s."), rating=f"{rating:g}")
    return float(rating)


@dataclass(frozen=True)
class Stamp:
    """What every event of one command shares: its stream, its time, and ids derived from the
    stream and the command id. A command sent twice produces the very same events; the same
    command id sent for another stream produces other events (a client's id makes only its own
    command idempotent, it can never stand for somebody else's)."""

    stream: str
    command_id: str
    now: datetime

    def meta(self, index: int) -> dict:
        return {"event_id": self.event_id(index), "stream": self.stream, "occurred_at": self.now}

    def event_id(self, index: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{self.stream}/{self.command_id}/{index}"))


@dataclass
class Account:
    user_id: str
    signed_up: bool = False
    deleted: bool = False
    verified: bool = False
    email_version: int = 0  # 1 at sign-up, +1 at each change of address
    password_version: int = 0  # 1 at sign-up, +1 at each change or reset
    ratings: dict[int, float] = field(default_factory=dict)
    not_seen: set[int] = field(default_factory=set)
    not_interested: set[int] = field(default_factory=set)
    show_ratings: set[int] = field(default_factory=set)
    episode_ratings: set[tuple[int, int, int]] = field(default_factory=set)
    show_not_seen: set[int] = field(default_factory=set)
    show_not_interested: set[int] = field(default_factory=set)
    weekly_email: bool = True  # the weekly picks e-mail (the welcome e-mail goes out regardless)
    email_shows: bool = True  # TV shows among the picks
    operator: bool = False  # may use the operator page
    language: str | None = None  # the member's own choice; None: their browser's
    api_tokens: dict[str, str] = field(default_factory=dict)  # live API tokens: id -> scope (domain/api_tokens.py)

    @classmethod
    def from_events(cls, user_id: str, history: Iterable[e.Event]) -> "Account":
        account = cls(user_id)
        for event in history:
            account.apply(event)
        return account

    def copy(self) -> "Account":
        """A copy whose folding leaves this one as it is."""
        return replace(self, ratings=dict(self.ratings), not_seen=set(self.not_seen),
                       not_interested=set(self.not_interested), show_ratings=set(self.show_ratings),
                       episode_ratings=set(self.episode_ratings), show_not_seen=set(self.show_not_seen),
                       show_not_interested=set(self.show_not_interested), api_tokens=dict(self.api_tokens))

    def apply(self, event: e.Event) -> None:
        """Fold one more event of this account's stream in."""
        if isinstance(event, (e.SessionsEnded, e.PasswordChanged, e.AccountDeleted)):
            self.api_tokens.clear()  # what ends the member's sessions ends their API tokens
        match event:
            case e.UserSignedUp() | e.UserSignedUpV1():
                self.signed_up, self.email_version, self.password_version = True, 1, 1
            case e.EmailVerified():
                self.verified = True
            case e.EmailChanged():
                self.email_version, self.verified = event.email_version, True
            case e.PasswordChanged():
                self.password_version += 1
            case e.AccountDeleted():
                self.deleted, self.operator = True, False
            case e.ApiTokenCreated():
                self.api_tokens[event.token_id] = event.scope
            case e.ApiTokenRevoked():
                self.api_tokens.pop(event.token_id, None)
            case e.OperatorRoleGranted():
                self.operator = True
            case e.OperatorRoleRevoked():
                self.operator = False
            case e.EmailPreferencesChanged():
                self.weekly_email, self.email_shows = event.weekly, event.shows
            case e.LanguagePreferenceChanged():
                self.language = event.language
            case e.MovieRated() | e.MovieRatingChanged():
                self.ratings[event.movie_id] = event.rating
            case e.MovieRatingRemoved():
                self.ratings.pop(event.movie_id, None)
            case e.MarkedNotSeen():
                self.not_seen.add(event.movie_id)
            case e.NotSeenUnmarked():
                self.not_seen.discard(event.movie_id)
            case e.MarkedNotInterested():
                self.not_interested.add(event.movie_id)
            case e.NotInterestedUnmarked():
                self.not_interested.discard(event.movie_id)
            case e.ShowRated():
                self.show_ratings.add(event.show_id)
            case e.ShowRatingRemoved():
                self.show_ratings.discard(event.show_id)
            case e.EpisodeRated():
                self.episode_ratings.add((event.show_id, event.season, event.episode))
            case e.EpisodeRatingRemoved():
                self.episode_ratings.discard((event.show_id, event.season, event.episode))
            case e.ShowMarkedNotSeen():
                self.show_not_seen.add(event.show_id)
            case e.ShowNotSeenUnmarked():
                self.show_not_seen.discard(event.show_id)
            case e.ShowMarkedNotInterested():
                self.show_not_interested.add(event.show_id)
            case e.ShowNotInterestedUnmarked():
                self.show_not_interested.discard(event.show_id)

    def has_seen_show(self, show_id: int) -> bool:
        """Whether a rating says the member has seen the show: of the show, or of one of its episodes."""
        return show_id in self.show_ratings or any(show == show_id for show, _, _ in self.episode_ratings)


def sign_up(account: Account, stamp: Stamp, personal: e.Sealed) -> list[e.Event]:
    """``personal`` is the member's e-mail address, name and password hash, already sealed."""
    if account.signed_up:
        raise EmailTaken(N_("An account with this e-mail address already exists."))
    return [e.UserSignedUp(**stamp.meta(0), user_id=account.user_id, personal=personal)]


def check_display_name(display_name: str) -> str:
    name = display_name.strip()
    if not 1 <= len(name) <= 60 or any(ord(char) < 32 for char in name):
        raise InvalidInput(N_("Your name must be 1 to 60 characters long."))
    return name


def verify_email(account: Account, stamp: Stamp, email_version: int) -> list[e.Event]:
    """The member followed the link sent to their ``email_version``-th address."""
    _check_account(account)
    if email_version != account.email_version:
        raise InvalidLink(N_("This link is for an address that is no longer on your account."))
    if account.verified:
        return []
    return [e.EmailVerified(**stamp.meta(0), user_id=account.user_id, email_version=email_version)]


def change_password(account: Account, stamp: Stamp, sealed_hash: e.Sealed, reason: str,
                    password_version: int) -> list[e.Event]:
    """A new password: "change" after the old one was checked, or "reset" from a link sent to the
    address, which is only good while the password is still the ``password_version`` it was made
    for (so a reset link works once) and which also proves the address."""
    _check_account(account)
    if reason == "reset" and password_version != account.password_version:
        raise InvalidLink(N_("This link has been used already. Ask for a new one if you still need it."))
    events: list[e.Event] = [e.PasswordChanged(**stamp.meta(0), user_id=account.user_id, personal=sealed_hash,
                                               reason=reason)]
    if reason == "reset" and not account.verified:
        events.append(e.EmailVerified(**stamp.meta(1), user_id=account.user_id, email_version=account.email_version))
    return events


def change_email(account: Account, stamp: Stamp, sealed_email: e.Sealed, email_version: int) -> list[e.Event]:
    """The new address, confirmed from the link sent to it; the link is good while the address it
    would replace is still the ``email_version`` it was made for."""
    check_email_link(account, email_version)
    return [e.EmailChanged(**stamp.meta(0), user_id=account.user_id, personal=sealed_email,
                           email_version=email_version + 1)]


def check_email_link(account: Account, email_version: int) -> None:
    _check_member(account)
    if email_version != account.email_version:
        raise InvalidLink(N_("This link has been used already, or your address changed since it was sent."))


def end_sessions(account: Account, stamp: Stamp) -> list[e.Event]:
    _check_member(account)
    return [e.SessionsEnded(**stamp.meta(0), user_id=account.user_id)]


def delete_account(account: Account, stamp: Stamp, keep_ratings: bool) -> list[e.Event]:
    """The account ends; unless kept as anonymous signal, every rating is removed in the same commit,
    so the read models (and a replay) forget them through the usual events."""
    _check_account(account)
    uid, events = account.user_id, []

    def add(kind: type[e.Event], **fields) -> None:
        events.append(kind(**stamp.meta(len(events)), user_id=uid, **fields))
    if not keep_ratings:
        for movie, stars in account.ratings.items():
            add(e.MovieRatingRemoved, movie_id=movie, previous=stars)
        for show in sorted(account.show_ratings):
            add(e.ShowRatingRemoved, show_id=show)
        for show, season, episode in sorted(account.episode_ratings):
            add(e.EpisodeRatingRemoved, show_id=show, season=season, episode=episode)
    add(e.AccountDeleted, ratings_kept=keep_ratings)
    return events


def change_email_preferences(account: Account, stamp: Stamp, weekly: bool | None = None,
                             shows: bool | None = None) -> list[e.Event]:
    """The member's e-mail choices; None keeps that choice as it is. Nothing is recorded when nothing
    changes, so unsubscribing twice is unsubscribing once. Open to an account whose address is not
    confirmed yet: saying "no more e-mail" must never need more than the account itself."""
    _check_account(account)
    wanted = (account.weekly_email if weekly is None else weekly, account.email_shows if shows is None else shows)
    if wanted == (account.weekly_email, account.email_shows):
        return []
    return [e.EmailPreferencesChanged(**stamp.meta(0), user_id=account.user_id, weekly=wanted[0], shows=wanted[1])]


def choose_language(account: Account, stamp: Stamp, language: str) -> list[e.Event]:
    """The language the member reads the site and their e-mails in; nothing recorded when unchanged."""
    _check_account(account)
    if language not in LANGUAGES:
        raise InvalidInput(N_("Choose English or French."))
    if language == account.language:
        return []
    return [e.LanguagePreferenceChanged(**stamp.meta(0), user_id=account.user_id, language=language)]


def set_operator(account: Account, stamp: Stamp, operator: bool) -> list[e.Event]:
    """Grant or revoke the operator role (nothing to record when the member already has it so)."""
    if operator:
        _check_member(account)
    if account.operator == operator:
        return []
    kind = e.OperatorRoleGranted if operator else e.OperatorRoleRevoked
    return [kind(**stamp.meta(0), user_id=account.user_id)]


def rate_movie(account: Account, stamp: Stamp, movie_id: int, rating: float, movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    rating = check_rating(rating)
    if not movie_exists:
        raise UnknownTitle(N_("There is no movie with id %(id)s."), id=movie_id)
    previous = account.ratings.get(movie_id)
    if previous == rating:
        return []
    events: list[e.Event] = []
    if movie_id in account.not_seen:  # rating a movie says you have seen it
        events.append(e.NotSeenUnmarked(**stamp.meta(len(events)), user_id=account.user_id, movie_id=movie_id))
    fields = dict(user_id=account.user_id, movie_id=movie_id, rating=rating)
    events.append(e.MovieRated(**stamp.meta(len(events)), **fields) if previous is None else
                  e.MovieRatingChanged(**stamp.meta(len(events)), **fields, previous=previous))
    return events


def remove_movie_rating(account: Account, stamp: Stamp, movie_id: int) -> list[e.Event]:
    _check_member(account)
    if movie_id not in account.ratings:
        return []
    return [e.MovieRatingRemoved(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id,
                                 previous=account.ratings[movie_id])]


def set_not_seen(account: Account, stamp: Stamp, movie_id: int, marked: bool, movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not movie_exists:
        raise UnknownTitle(N_("There is no movie with id %(id)s."), id=movie_id)
    if marked == (movie_id in account.not_seen):
        return []
    if marked and movie_id in account.ratings:
        raise InvalidInput(N_("You rated this movie, so you have seen it. Remove the rating first."))
    kind = e.MarkedNotSeen if marked else e.NotSeenUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id)]


def set_not_interested(account: Account, stamp: Stamp, movie_id: int, marked: bool,
                       movie_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not movie_exists:
        raise UnknownTitle(N_("There is no movie with id %(id)s."), id=movie_id)
    if marked == (movie_id in account.not_interested):
        return []
    kind = e.MarkedNotInterested if marked else e.NotInterestedUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, movie_id=movie_id)]


def rate_show(account: Account, stamp: Stamp, show_id: int, rating: float, show_exists: bool) -> list[e.Event]:
    _check_member(account)
    rating = check_rating(rating)
    if not show_exists:
        raise UnknownTitle(N_("There is no show with id %(id)s."), id=show_id)
    events = _show_seen(account, stamp, show_id)
    events.append(e.ShowRated(**stamp.meta(len(events)), user_id=account.user_id, show_id=show_id, rating=rating))
    return events


def import_ratings(account: Account, stamp: Stamp, ratings: Iterable[tuple[str, int, float]],
                   exist: dict[str, frozenset[int]]) -> list[e.Event]:
    """The events rating each title the member has not rated yet, as ``rate_movie``/``rate_show``
    record them ("not seen" lifted first), numbered within the one commit. Titles already rated are
    left alone (the site wins: an import never undoes a change made here), as are titles that do not
    exist (the catalog moved on since the file was matched)."""
    work, events = account.copy(), []
    for kind, title_id, stars in ratings:
        if title_id in (work.ratings if kind == "movie" else work.show_ratings) or title_id not in exist[kind]:
            continue
        for event in (rate_movie if kind == "movie" else rate_show)(work, stamp, title_id, stars, True):
            event = msgspec.structs.replace(event, **stamp.meta(len(events)))
            work.apply(event)
            events.append(event)
    return events


def rate_episode(account: Account, stamp: Stamp, show_id: int, season: int, episode: int, rating: float,
                 episode_exists: bool) -> list[e.Event]:
    _check_member(account)
    rating = check_rating(rating)
    if not episode_exists:
        raise UnknownTitle(N_("Show %(id)s has no season %(season)s episode %(episode)s."), id=show_id,
                           season=season, episode=episode)
    events = _show_seen(account, stamp, show_id)
    events.append(e.EpisodeRated(**stamp.meta(len(events)), user_id=account.user_id, show_id=show_id, season=season,
                                 episode=episode, rating=rating))
    return events


def _show_seen(account: Account, stamp: Stamp, show_id: int) -> list[e.Event]:
    """Rating a show, or one of its episodes, says the member has seen it: "not seen" goes first."""
    if show_id not in account.show_not_seen:
        return []
    return [e.ShowNotSeenUnmarked(**stamp.meta(0), user_id=account.user_id, show_id=show_id)]


def remove_show_rating(account: Account, stamp: Stamp, show_id: int) -> list[e.Event]:
    """Only a rated show can be un-rated; otherwise nothing is recorded (a form sent twice, say)."""
    _check_member(account)
    if show_id not in account.show_ratings:
        return []
    return [e.ShowRatingRemoved(**stamp.meta(0), user_id=account.user_id, show_id=show_id)]


def remove_episode_rating(account: Account, stamp: Stamp, show_id: int, season: int, episode: int) -> list[e.Event]:
    _check_member(account)
    if (show_id, season, episode) not in account.episode_ratings:
        return []
    return [e.EpisodeRatingRemoved(**stamp.meta(0), user_id=account.user_id, show_id=show_id, season=season,
                                   episode=episode)]


def set_show_not_seen(account: Account, stamp: Stamp, show_id: int, marked: bool, show_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not show_exists:
        raise UnknownTitle(N_("There is no show with id %(id)s."), id=show_id)
    if marked == (show_id in account.show_not_seen):
        return []
    if marked and account.has_seen_show(show_id):
        raise InvalidInput(N_("You rated this show or one of its episodes, so you have seen it. "
                           "Remove those ratings first."))
    kind = e.ShowMarkedNotSeen if marked else e.ShowNotSeenUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, show_id=show_id)]


def set_show_not_interested(account: Account, stamp: Stamp, show_id: int, marked: bool,
                            show_exists: bool) -> list[e.Event]:
    _check_member(account)
    if not show_exists:
        raise UnknownTitle(N_("There is no show with id %(id)s."), id=show_id)
    if marked == (show_id in account.show_not_interested):
        return []
    kind = e.ShowMarkedNotInterested if marked else e.ShowNotInterestedUnmarked
    return [kind(**stamp.meta(0), user_id=account.user_id, show_id=show_id)]


def _check_account(account: Account) -> None:
    if not account.signed_up or account.deleted:
        raise UnknownUser(N_("There is no such account (it may have been deleted)."))


def _check_member(account: Account) -> None:
    """A member acts on the site only once their address is verified."""
    _check_account(account)
    if not account.verified:
        raise UnverifiedAccount(N_("Please confirm your e-mail address first: follow the link we sent you."))
