"""A member's decisions about TV shows, without any I/O: removing a show's or an episode's rating, and
putting a show aside ("not seen", "not interested") as movies are; folded into the account, the
profile and the member the pages see; and what the picks e-mail then leaves out."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain import accounts, events as e
from domain.accounts import Account, Stamp
from domain.errors import InvalidInput, UnknownTitle, UnverifiedAccount
from mybigmovie.email_picks import Recipient
from projections.user_profiles import UserProfiles
from projections.views import Member

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
SHOW = 903747


def ev(kind: type[e.Event], n: int = 0, **fields) -> e.Event:
    return kind(event_id=f"e{n}-{kind.__name__}", stream="user-u", occurred_at=NOW, user_id="u", **fields)


def member(*events: e.Event, verified: bool = True) -> Account:
    signed = [ev(e.UserSignedUp, personal=e.Sealed(nonce=b"n" * 12, data=b"d"))]
    return Account.from_events("u", [*signed, *([ev(e.EmailVerified, email_version=1)] if verified else []), *events])


def stamp(command_id: str = "c1") -> Stamp:
    return Stamp("user-u", command_id, NOW)


def kinds(events: list[e.Event]) -> list[str]:
    return [type(event).__name__ for event in events]


# --- removing a rating ---------------------------------------------------------------------------

def test_a_rated_show_can_be_un_rated_and_an_unrated_one_records_nothing():
    rated = member(ev(e.ShowRated, show_id=SHOW, rating=4.0))
    [removed] = accounts.remove_show_rating(rated, stamp(), SHOW)
    assert isinstance(removed, e.ShowRatingRemoved) and removed.show_id == SHOW
    assert accounts.remove_show_rating(rated, stamp(), 1) == []  # another show: nothing to remove
    rated.apply(removed)
    assert accounts.remove_show_rating(rated, stamp("c2"), SHOW) == []  # removing twice removes once


def test_only_the_rated_episode_can_be_un_rated():
    account = member(ev(e.EpisodeRated, show_id=SHOW, season=1, episode=2, rating=3.5))
    [removed] = accounts.remove_episode_rating(account, stamp(), SHOW, 1, 2)
    assert isinstance(removed, e.EpisodeRatingRemoved) and (removed.season, removed.episode) == (1, 2)
    assert accounts.remove_episode_rating(account, stamp(), SHOW, 1, 1) == []
    assert accounts.remove_episode_rating(account, stamp(), SHOW, 2, 2) == []
    account.apply(removed)
    assert account.episode_ratings == set()


def test_removing_needs_a_confirmed_member():
    with pytest.raises(UnverifiedAccount):
        accounts.remove_show_rating(member(verified=False), stamp(), SHOW)
    with pytest.raises(UnverifiedAccount):
        accounts.remove_episode_rating(member(verified=False), stamp(), SHOW, 1, 1)


# --- putting a show aside ------------------------------------------------------------------------

@pytest.mark.parametrize(("decide", "marked_kind", "unmarked_kind", "field"), [
    (accounts.set_show_not_seen, e.ShowMarkedNotSeen, e.ShowNotSeenUnmarked, "show_not_seen"),
    (accounts.set_show_not_interested, e.ShowMarkedNotInterested, e.ShowNotInterestedUnmarked, "show_not_interested"),
])
def test_a_show_is_marked_and_unmarked_once_each(decide, marked_kind, unmarked_kind, field):
    account = member()
    assert decide(account, stamp(), SHOW, False, True) == []  # nothing to undo
    [marked] = decide(account, stamp(), SHOW, True, True)
    assert isinstance(marked, marked_kind) and marked.show_id == SHOW
    account.apply(marked)
    assert getattr(account, field) == {SHOW}
    assert decide(account, stamp("c2"), SHOW, True, True) == []  # marked already: no second event
    [unmarked] = decide(account, stamp("c3"), SHOW, False, True)
    assert isinstance(unmarked, unmarked_kind)
    account.apply(unmarked)
    assert getattr(account, field) == set()


@pytest.mark.parametrize("decide", [accounts.set_show_not_seen, accounts.set_show_not_interested])
def test_an_unknown_show_cannot_be_put_aside(decide):
    with pytest.raises(UnknownTitle, match="no show with id 5"):
        decide(member(), stamp(), 5, True, False)


@pytest.mark.parametrize("rating", [ev(e.ShowRated, show_id=SHOW, rating=4.0),
                                    ev(e.EpisodeRated, show_id=SHOW, season=2, episode=1, rating=4.0)])
def test_a_show_rated_or_with_a_rated_episode_has_been_seen(rating):
    with pytest.raises(InvalidInput, match="so you have seen it"):
        accounts.set_show_not_seen(member(rating), stamp(), SHOW, True, True)
    # "not interested" is another matter: one can have seen a show and want no more of it
    assert kinds(accounts.set_show_not_interested(member(rating), stamp(), SHOW, True, True)) == [
        "ShowMarkedNotInterested"]


def test_rating_a_show_or_an_episode_takes_it_off_not_seen_first():
    not_seen = member(ev(e.ShowMarkedNotSeen, show_id=SHOW))
    show = accounts.rate_show(not_seen, stamp(), SHOW, 4.5, True)
    assert kinds(show) == ["ShowNotSeenUnmarked", "ShowRated"]
    assert show[0].event_id == stamp().event_id(0) != show[1].event_id  # the command's first event comes first
    episode = accounts.rate_episode(not_seen, stamp(), SHOW, 1, 1, 3.0, True)
    assert kinds(episode) == ["ShowNotSeenUnmarked", "EpisodeRated"]
    assert kinds(accounts.rate_show(member(), stamp(), SHOW, 4.5, True)) == ["ShowRated"]


def test_a_copy_of_the_account_folds_apart():
    account = member(ev(e.ShowMarkedNotInterested, show_id=1))
    copy = account.copy()
    copy.apply(ev(e.ShowMarkedNotSeen, show_id=2))
    copy.apply(ev(e.ShowNotInterestedUnmarked, show_id=1))
    assert (account.show_not_seen, account.show_not_interested) == (set(), {1})
    assert (copy.show_not_seen, copy.show_not_interested) == ({2}, set())


def test_event_tags_are_new_and_decode():
    from domain.events import EVENT_TYPES, from_document, to_document
    tags = {"show-marked-not-seen/1", "show-not-seen-unmarked/1", "show-marked-not-interested/1",
            "show-not-interested-unmarked/1"}
    assert tags <= EVENT_TYPES.keys()
    for tag in tags:
        event = EVENT_TYPES[tag](event_id="x", stream="user-u", occurred_at=NOW, user_id="u", show_id=SHOW)
        assert from_document(to_document(event)) == event


# --- the profile, the member, the picks e-mail ----------------------------------------------------------

def fold(document: dict | None, *events: e.Event) -> dict:
    projection = UserProfiles()
    for event in events:
        [key] = projection.keys(event)
        document = projection.apply(document, event, key)
    return document


def test_the_profile_and_the_member_follow_the_shows_put_aside():
    profile = fold(None, ev(e.UserSignedUp, personal=e.Sealed(nonce=b"n" * 12, data=b"d")),
                   ev(e.ShowMarkedNotSeen, show_id=1), ev(e.ShowMarkedNotSeen, show_id=2),
                   ev(e.ShowNotSeenUnmarked, show_id=1), ev(e.ShowMarkedNotInterested, show_id=3),
                   ev(e.ShowRated, show_id=4, rating=5.0), ev(e.ShowRatingRemoved, show_id=4))
    assert profile["show_not_seen"] == [2] and profile["show_not_interested"] == [3]
    assert profile["show_ratings"] == {}
    seen = Member.from_profile({**profile, "_id": "u"}, {"display_name": "Ann", "email": "ann@example.org"})
    assert seen.show_not_seen == {2} and seen.show_not_interested == {3}
    deleted = fold(profile, ev(e.AccountDeleted, ratings_kept=True))
    assert deleted["show_not_seen"] == [] and deleted["show_not_interested"] == []


def test_a_profile_from_before_shows_could_be_put_aside_reads_as_none_and_folds_on():
    old = fold(None, ev(e.UserSignedUp, personal=e.Sealed(nonce=b"n" * 12, data=b"d")))
    del old["show_not_seen"], old["show_not_interested"]
    seen = Member.from_profile({**old, "_id": "u"}, {"display_name": "Ann", "email": "ann@example.org"})
    assert seen.show_not_seen == frozenset() and seen.show_not_interested == frozenset()
    assert fold(old, ev(e.ShowMarkedNotInterested, show_id=9))["show_not_interested"] == [9]


def test_the_picks_e_mail_leaves_out_the_shows_put_aside():
    account = member(ev(e.ShowRated, show_id=1, rating=4.0), ev(e.ShowMarkedNotInterested, show_id=2),
                     ev(e.ShowMarkedNotSeen, show_id=3), ev(e.MarkedNotInterested, movie_id=2))
    who = Recipient.of(account, None)
    assert who.left_out("show") == {1, 2, 3}
    assert who.left_out("movie") == {2}  # a movie's id is not a show's
