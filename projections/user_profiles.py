"""User profiles: the account, what the user rated, the titles they put aside, what they want by
e-mail and which titles the picks e-mails already sent them.

Personal fields stay sealed here as they are in the events (``sealed``: the newest blob of each
kind); the read side opens them with the member's key. So this fold stays pure, a replay needs no
keys, and an erased member's profile is unreadable the moment their key is destroyed.
"""
from __future__ import annotations

import base64
from typing import Hashable, Iterable

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e

NAME = "user_profiles"

_USER_EVENTS = (e.UserSignedUpV1, e.UserSignedUp, e.EmailVerified, e.PasswordChanged, e.EmailChanged, e.SessionsEnded,
                e.AccountDeleted, e.EmailPreferencesChanged, e.LanguagePreferenceChanged, e.PicksEmailed, e.OperatorRoleGranted,
                e.OperatorRoleRevoked,
                e.MovieRated, e.MovieRatingChanged, e.MovieRatingRemoved, e.MarkedNotSeen, e.NotSeenUnmarked,
                e.MarkedNotInterested, e.NotInterestedUnmarked,
                e.ShowRated, e.EpisodeRated, e.ShowRatingRemoved, e.EpisodeRatingRemoved, e.ShowMarkedNotSeen,
                e.ShowNotSeenUnmarked, e.ShowMarkedNotInterested, e.ShowNotInterestedUnmarked)


def email_defaults() -> dict:
    """The e-mail fields of a new profile. Profiles written before these fields existed lack them:
    they fold on from these values (projections/views.py reads a missing one the same way), so
    nobody needs a replay to stay subscribed."""
    return {"weekly_email": True, "email_shows": True, "emailed_movies": [], "emailed_shows": [], "last_picks": None}


def empty_profile(user_id: str) -> dict:
    return {"user_id": user_id, "sealed": {}, "signed_up_at": None, "verified": False, "email_version": 0,
            "password_version": 0, "session_epoch": 0, "deleted": False,
            "ratings": {}, "not_seen": [], "not_interested": [], "show_ratings": {}, "episode_ratings": {},
            "show_not_seen": [], "show_not_interested": [],
            "counts": {"ratings": 0, "not_seen": 0, "not_interested": 0, "show_ratings": 0, "episode_ratings": 0},
            **email_defaults()}



class UserProfiles:
    name = NAME

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        return (event.user_id,) if isinstance(event, _USER_EVENTS) else ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        profile = document if document is not None else empty_profile(event.user_id)
        match event:
            case e.UserSignedUp():
                profile["sealed"]["signup"] = _blob(event.personal)
                profile.update(signed_up_at=event.occurred_at, email_version=1, password_version=1)
            case e.UserSignedUpV1():  # not migrated yet (``mybigmovie migrate``): no readable account
                profile.update(signed_up_at=event.occurred_at, email_version=1, password_version=1)
            case e.EmailVerified():
                profile["verified"] = True
            case e.EmailChanged():
                profile["sealed"]["email"] = _blob(event.personal)
                profile.update(verified=True, email_version=event.email_version)
            case e.PasswordChanged():
                profile["sealed"]["password"] = _blob(event.personal)
                profile["password_version"] += 1
                profile["session_epoch"] += 1
            case e.SessionsEnded():
                profile["session_epoch"] += 1
            case e.AccountDeleted():
                profile.update(sealed={}, deleted=True, verified=False, not_seen=[], not_interested=[],
                               show_not_seen=[], show_not_interested=[], emailed_movies=[], emailed_shows=[],
                               last_picks=None, operator=False)
                profile["session_epoch"] += 1
            case e.OperatorRoleGranted() | e.OperatorRoleRevoked():
                profile["operator"] = isinstance(event, e.OperatorRoleGranted)
            case e.EmailPreferencesChanged():
                profile.update(weekly_email=event.weekly, email_shows=event.shows)
            case e.LanguagePreferenceChanged():
                profile["language"] = event.language
            case e.PicksEmailed():
                _picks_emailed(profile, event)
            case e.MovieRated() | e.MovieRatingChanged():
                profile["ratings"][str(event.movie_id)] = event.rating
            case e.MovieRatingRemoved():
                profile["ratings"].pop(str(event.movie_id), None)
            case e.MarkedNotSeen():
                _add(profile["not_seen"], event.movie_id)
            case e.NotSeenUnmarked():
                _remove(profile["not_seen"], event.movie_id)
            case e.MarkedNotInterested():
                _add(profile["not_interested"], event.movie_id)
            case e.NotInterestedUnmarked():
                _remove(profile["not_interested"], event.movie_id)
            case e.ShowRated():
                profile["show_ratings"][str(event.show_id)] = event.rating
            case e.EpisodeRated():
                profile["episode_ratings"][f"{event.show_id}:{event.season}:{event.episode}"] = event.rating
            case e.ShowRatingRemoved():
                profile["show_ratings"].pop(str(event.show_id), None)
            case e.EpisodeRatingRemoved():
                profile["episode_ratings"].pop(f"{event.show_id}:{event.season}:{event.episode}", None)
            # Profiles from before shows could be put aside lack these two lists (views.py reads them as empty).
            case e.ShowMarkedNotSeen():
                _add(profile.setdefault("show_not_seen", []), event.show_id)
            case e.ShowNotSeenUnmarked():
                _remove(profile.setdefault("show_not_seen", []), event.show_id)
            case e.ShowMarkedNotInterested():
                _add(profile.setdefault("show_not_interested", []), event.show_id)
            case e.ShowNotInterestedUnmarked():
                _remove(profile.setdefault("show_not_interested", []), event.show_id)
        profile["counts"] = {field: len(profile[field]) for field in profile["counts"]}
        return profile

    async def create_indexes(self, collection: AsyncCollection) -> None:
        await collection.create_index([("verified", ASCENDING)], name="verified")
        await collection.create_index([("operator", ASCENDING)], name="operator")
        await collection.create_index([("_pos", ASCENDING)], name="position")  # for web processes' MemberCache


def _picks_emailed(profile: dict, event: e.PicksEmailed) -> None:
    """Titles once e-mailed are not picked again; the newest e-mail's picks are kept whole, for the
    next one to say how they did. (An older log's PicksEmailed, in the member's own stream and with
    no shows, folds the same.)"""
    for field, ids in (("emailed_movies", event.movie_ids), ("emailed_shows", event.show_ids)):
        for item in ids:
            _add(profile.setdefault(field, []), item)
    profile["last_picks"] = {"occasion": event.occasion, "movies": list(event.movie_ids),
                             "shows": list(event.show_ids)}


def _blob(sealed: e.Sealed) -> dict:
    """Base64 text, not binary: nx-27017 cannot replace a document that holds binary
    (tests/contracts/test_backend_differences.py); text works on both servers."""
    return {"nonce": base64.b64encode(sealed.nonce).decode(), "data": base64.b64encode(sealed.data).decode()}


def _add(items: list, item: int) -> None:
    if item not in items:
        items.append(item)


def _remove(items: list, item: int) -> None:
    if item in items:
        items.remove(item)
