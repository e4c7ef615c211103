"""Command handlers: decide on fresh state, append once. Every test runs twice: on the real event
store and keyring ("mongo": nx-27017, or MongoDB with MONGODB_URL) and on the in-memory ones
("memory": no database, milliseconds), which pass the same contracts (tests/contracts).
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.memory_keyring import InMemoryKeyring
from commands.memory_store import InMemoryEventStore
from commands.mongo_store import MongoEventStore
from domain import events as e
from domain.accounts import new_user_id, stream_for
from domain.errors import (ConcurrencyError, EmailTaken, InvalidInput, InvalidLink, InvalidRating, UnknownTitle,
                           UnknownUser, UnverifiedAccount)
from tests.members import PASSWORD, new_member


class KnownTitles:
    """The catalog port answered from sets of known titles."""

    def __init__(self, movies=(1, 2, 3), shows=(10,), episodes=((10, 1, 1),)) -> None:
        self.movies, self.shows, self.episodes = set(movies), set(shows), set(episodes)

    async def has_movie(self, movie_id: int) -> bool:
        return movie_id in self.movies

    async def has_show(self, show_id: int) -> bool:
        return show_id in self.shows

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool:
        return (show_id, season, episode) in self.episodes

    async def existing(self, kind: str, ids: list[int]) -> frozenset[int]:
        return frozenset(ids) & (self.movies if kind == "movie" else self.shows)


async def fake_hash(password: str) -> str:
    return f"hashed:{password}"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["memory", "mongo"])
def backend_kind(request) -> str:
    return request.param


@pytest.fixture
def mongo_database(backend_kind, request):
    """The test database for "mongo", None for "memory" (a plain fixture: pytest-asyncio sets an
    async fixture up on demand only from outside the event loop)."""
    return request.getfixturevalue("database") if backend_kind == "mongo" else None


@pytest.fixture
async def store(mongo_database):
    if mongo_database is None:
        return InMemoryEventStore()
    store = MongoEventStore(mongo_database)
    await store.create_indexes()
    return store


@pytest.fixture
async def keyring(mongo_database):
    if mongo_database is None:
        return InMemoryKeyring()
    keyring = MongoKeyring(mongo_database)
    await keyring.create_indexes()
    return keyring


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handlers(store, keyring, clock) -> CommandHandlers:
    return CommandHandlers(store, KnownTitles(), keyring, fake_hash, clock=clock)


def cid() -> str:
    return uuid.uuid4().hex


async def kinds(store, user_id) -> list[str]:
    return [type(r.event).__name__ for r in await store.read_stream(stream_for(user_id))]


def sign_up_command(email="ann@example.org", name="Ann", password=PASSWORD, command_id=None) -> m.SignUp:
    return m.SignUp(command_id=command_id or cid(), email=email, password=password, display_name=name)


# --- signing up and confirming the address ------------------------------------------------------------

async def test_sign_up_records_the_account_sealed_with_a_hash_not_the_password(handlers, store, keyring):
    command = sign_up_command(email="  Ann@Example.ORG ", password="correct horse")
    assert await handlers.handle(command) == 1
    user_id = new_user_id(command.command_id, "ann@example.org")
    [recorded] = await store.read_stream(stream_for(user_id))
    assert isinstance(recorded.event, e.UserSignedUp) and recorded.event.user_id == user_id
    personal = await keyring.open(user_id, recorded.event.personal)
    assert personal == {"email": "ann@example.org", "display_name": "Ann", "password_hash": "hashed:correct horse"}
    assert b"correct horse" not in recorded.event.personal.data  # neither in clear in the log
    assert b"ann@example.org" not in recorded.event.personal.data
    assert await keyring.owner("ann@example.org") == user_id


async def test_an_email_signs_up_once_even_when_ten_try_at_once(handlers, store):
    results = await asyncio.gather(*(handlers.handle(sign_up_command("bob@example.org", "Bob")) for _ in range(10)),
                                   return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, EmailTaken) for r in results if not isinstance(r, int))
    assert await store.head() == 1


async def test_an_unconfirmed_member_may_not_act_until_the_link_is_followed(handlers, store):
    ann = await new_member(handlers, verified=False)
    with pytest.raises(UnverifiedAccount):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0))
    with pytest.raises(InvalidLink):  # a link for an address the account never had
        await handlers.handle(m.VerifyEmail(command_id=cid(), user_id=ann, email_version=2))
    confirmed = await handlers.handle(m.VerifyEmail(command_id=cid(), user_id=ann, email_version=1))
    # following the link again changes nothing and answers with the position it is as of
    assert await handlers.handle(m.VerifyEmail(command_id=cid(), user_id=ann, email_version=1)) == confirmed
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0))
    assert await kinds(store, ann) == ["UserSignedUp", "EmailVerified", "MovieRated"]


async def test_a_sign_up_resent_after_it_died_half_way_completes_it(handlers, store, keyring, monkeypatch):
    command = sign_up_command()

    async def dies(*args, **kwargs):
        raise ConnectionError("the process was killed here")
    with monkeypatch.context() as patch:
        patch.setattr(store, "append", dies)
        with pytest.raises(ConnectionError):
            await handlers.handle(command)
    user_id = new_user_id(command.command_id, "ann@example.org")
    assert await keyring.owner("ann@example.org") == user_id and await store.head() == 0  # claimed, not recorded
    assert await handlers.handle(command) == 1
    assert await kinds(store, user_id) == ["UserSignedUp"]


async def test_an_abandoned_claim_on_an_address_is_given_up_after_ten_minutes(handlers, store, keyring, clock,
                                                                             monkeypatch):
    # given a sign-up that died between claiming the address and recording the account
    with monkeypatch.context() as patch:
        async def dies(*args, **kwargs):
            raise ConnectionError("the process was killed here")
        patch.setattr(store, "append", dies)
        with pytest.raises(ConnectionError):
            await handlers.handle(sign_up_command())
    # then another sign-up of the address is refused for ten minutes, and succeeds after
    another = sign_up_command(name="Ann again")
    with pytest.raises(EmailTaken):
        await handlers.handle(another)
    clock.now += timedelta(minutes=11)
    assert await handlers.handle(another) == 1
    assert await keyring.owner("ann@example.org") == new_user_id(another.command_id, "ann@example.org")


# --- one command, one append --------------------------------------------------------------------------

async def test_a_double_submitted_form_appends_once(handlers, store):
    ann = await new_member(handlers)
    command = m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0)
    first, again = await asyncio.gather(handlers.handle(command), handlers.handle(command))
    assert first == again == 3
    assert await handlers.handle(command) == 3  # and once more, later
    assert await kinds(store, ann) == ["UserSignedUp", "EmailVerified", "MovieRated"]
    assert await handlers.handled(ann, command.command_id)
    signup = sign_up_command("cy@example.org", "Cy")
    assert await handlers.handle(signup) == await handlers.handle(signup) == 4


async def test_a_command_id_is_scoped_to_its_members_stream(handlers, store):
    ann, bob = await new_member(handlers), await new_member(handlers, "bob@example.org", "Bob")
    shared = cid()
    # the same command id sent for another member is another command: it is recorded for each
    at_ann = await handlers.handle(m.RateMovie(command_id=shared, user_id=ann, movie_id=1, rating=4.0))
    at_bob = await handlers.handle(m.RateMovie(command_id=shared, user_id=bob, movie_id=1, rating=2.0))
    assert at_ann != at_bob
    [anns] = [r.event for r in await store.read_stream(stream_for(ann)) if isinstance(r.event, e.MovieRated)]
    [bobs] = [r.event for r in await store.read_stream(stream_for(bob)) if isinstance(r.event, e.MovieRated)]
    assert (anns.rating, bobs.rating) == (4.0, 2.0) and anns.event_id != bobs.event_id
    assert await handlers.handled(ann, shared) and await handlers.handled(bob, shared)
    assert not await handlers.handled(ann, cid())


async def test_a_sign_up_with_another_sign_ups_command_id_is_another_account(handlers, store, keyring):
    first = sign_up_command()
    await handlers.handle(first)
    # the same command id with another address: another user id, another account, the first untouched
    other = sign_up_command("mallory@example.org", "M", "mallory's password", command_id=first.command_id)
    await handlers.handle(other)
    ann, mallory = new_user_id(first.command_id, "ann@example.org"), new_user_id(first.command_id,
                                                                                "mallory@example.org")
    assert ann != mallory
    assert (await keyring.owner("ann@example.org"), await keyring.owner("mallory@example.org")) == (ann, mallory)
    assert await kinds(store, ann) == await kinds(store, mallory) == ["UserSignedUp"]
    # and her own sign-up's command id with her address and another password is her sign-up resent:
    # it answers with its position and changes nothing (the password recorded stays hers)
    assert await handlers.handle(sign_up_command(password="a wrong guess!", command_id=first.command_id)) == 1
    [signed_up] = await store.read_stream(stream_for(ann))
    assert (await keyring.open(ann, signed_up.event.personal))["password_hash"] == f"hashed:{PASSWORD}"


# --- concurrency: decide again on the newer state -----------------------------------------------------

async def test_two_commands_for_one_member_at_once_both_land_after_a_retry(handlers, store, monkeypatch):
    ann = await new_member(handlers)
    conflicts = 0
    real_append = store.append

    async def counting(*args, **kwargs):
        nonlocal conflicts
        try:
            return await real_append(*args, **kwargs)
        except ConcurrencyError:
            conflicts += 1
            raise
    monkeypatch.setattr(store, "append", counting)
    await asyncio.gather(*(handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=movie, rating=4.0))
                           for movie in (1, 2, 3)))
    assert conflicts >= 1  # they did race: the losers read again and decided again
    ratings = [r.event.movie_id for r in await store.read_stream(stream_for(ann)) if isinstance(r.event, e.MovieRated)]
    assert sorted(ratings) == [1, 2, 3]
    assert [r.version for r in await store.read_stream(stream_for(ann))] == [1, 2, 3, 4, 5]


async def test_a_change_landing_between_read_and_append_is_decided_on_again(handlers, store, monkeypatch):
    ann = await new_member(handlers)
    real_append = store.append
    raced = False

    async def another_tab_first(stream, expected_version, events):
        nonlocal raced
        if not raced:  # another tab rates the same movie after this command read the stream
            raced = True
            await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=3.0))
        return await real_append(stream, expected_version, events)
    monkeypatch.setattr(store, "append", another_tab_first)
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.5))
    history = [r.event for r in await store.read_stream(stream_for(ann))]
    assert [type(event).__name__ for event in history[2:]] == ["MovieRated", "MovieRatingChanged"]
    assert (history[3].rating, history[3].previous) == (4.5, 3.0)


async def test_a_stream_that_moves_on_at_every_attempt_gives_up_after_five(handlers, store, clock, monkeypatch):
    ann = await new_member(handlers)
    real_append = store.append
    attempts = 0

    async def always_overtaken(stream, expected_version, events):
        nonlocal attempts
        attempts += 1
        intruder = e.SessionsEnded(event_id=cid(), stream=stream, occurred_at=clock(), user_id=ann)
        await real_append(stream, None, [intruder])
        return await real_append(stream, expected_version, events)
    monkeypatch.setattr(store, "append", always_overtaken)
    command = m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0)
    with pytest.raises(ConcurrencyError):
        await handlers.handle(command)
    assert attempts == 5
    assert "MovieRated" not in await kinds(store, ann) and not await handlers.handled(ann, command.command_id)


# --- ratings and lists ---------------------------------------------------------------------------------

async def test_rating_then_the_same_again_then_changing_then_removing(handlers, store):
    ann = await new_member(handlers)
    positions = [await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=2, rating=rating))
                 for rating in (4.0, 4.0, 2.5)]
    assert positions == [3, 3, 4]  # the same rating again records nothing
    await handlers.handle(m.RemoveMovieRating(command_id=cid(), user_id=ann, movie_id=2))
    assert await handlers.handle(m.RemoveMovieRating(command_id=cid(), user_id=ann, movie_id=2)) == 5
    assert await kinds(store, ann) == ["UserSignedUp", "EmailVerified", "MovieRated", "MovieRatingChanged",
                                       "MovieRatingRemoved"]


async def test_rating_a_movie_marked_not_seen_unmarks_it_and_a_rated_movie_cannot_be_marked(handlers, store):
    ann = await new_member(handlers)
    await handlers.handle(m.MarkNotSeen(command_id=cid(), user_id=ann, movie_id=3))
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=3, rating=5.0))
    assert await kinds(store, ann) == ["UserSignedUp", "EmailVerified", "MarkedNotSeen", "NotSeenUnmarked",
                                       "MovieRated"]
    with pytest.raises(InvalidInput, match="rated this movie"):
        await handlers.handle(m.MarkNotSeen(command_id=cid(), user_id=ann, movie_id=3))
    await handlers.handle(m.MarkNotInterested(command_id=cid(), user_id=ann, movie_id=2))
    await handlers.handle(m.MarkNotInterested(command_id=cid(), user_id=ann, movie_id=2, marked=False))
    assert (await kinds(store, ann))[-2:] == ["MarkedNotInterested", "NotInterestedUnmarked"]


@pytest.mark.parametrize("rating", [0.0, 0.25, 5.5, 7, -1, 3.3])
async def test_an_invalid_rating_is_refused_and_nothing_is_written(handlers, store, rating):
    ann = await new_member(handlers)
    with pytest.raises(InvalidRating, match="half steps"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=rating))
    with pytest.raises(InvalidRating, match="half steps"):
        await handlers.handle(m.RateShow(command_id=cid(), user_id=ann, show_id=10, rating=rating))
    assert await store.head() == 2  # the member's sign-up and confirmation only


async def test_unknown_titles_users_and_bad_sign_ups_are_refused(handlers, store):
    ann = await new_member(handlers)
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=999, rating=3.0))
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.MarkNotSeen(command_id=cid(), user_id=ann, movie_id=999))
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.RateShow(command_id=cid(), user_id=ann, show_id=11, rating=3.0))
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.RateEpisode(command_id=cid(), user_id=ann, show_id=10, season=9, episode=1,
                                            rating=3.0))
    with pytest.raises(UnknownUser):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id="nobody", movie_id=1, rating=3.0))
    with pytest.raises(InvalidInput, match="e-mail"):
        await handlers.handle(sign_up_command("not-an-address", "X"))
    with pytest.raises(InvalidInput, match="password"):
        await handlers.handle(sign_up_command("d@example.org", "D", password="short"))
    with pytest.raises(InvalidInput, match="name"):
        await handlers.handle(sign_up_command("e@example.org", "   "))
    assert await store.head() == 2  # the member's sign-up and confirmation only


async def test_shows_and_episodes_are_rated(handlers, store):
    ann = await new_member(handlers)
    await handlers.handle(m.RateShow(command_id=cid(), user_id=ann, show_id=10, rating=4.5))
    await handlers.handle(m.RateEpisode(command_id=cid(), user_id=ann, show_id=10, season=1, episode=1, rating=3.5))
    history = await store.read_stream(stream_for(ann))
    assert isinstance(history[2].event, e.ShowRated) and isinstance(history[3].event, e.EpisodeRated)
    assert (history[3].event.season, history[3].event.episode, history[3].event.rating) == (1, 1, 3.5)


async def test_an_imported_batch_rates_what_is_new_once_and_leaves_the_sites_ratings_alone(handlers, store):
    ann = await new_member(handlers)
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=2.0))
    batch = m.ImportRatings(command_id=cid(), user_id=ann, source="letterboxd",
                            ratings=(("movie", 1, 5.0), ("movie", 2, 4.0), ("show", 10, 3.5), ("movie", 77, 4.0)))
    # when a batch is imported, and the same batch is sent again (a page reloaded, a task retried)
    first = await handlers.handle(batch)
    assert await handlers.handle(batch) == first
    # then what was new is rated once; the site's rating of 1 stays; 77, not in the catalog, is left out
    assert await kinds(store, ann) == ["UserSignedUp", "EmailVerified", "MovieRated", "MovieRated", "ShowRated"]
    history = await store.read_stream(stream_for(ann))
    assert [(h.event.rating) for h in history[2:]] == [2.0, 4.0, 3.5]
    with pytest.raises(InvalidInput):  # typed: a kind that is neither is refused before anything is decided
        await handlers.handle(m.ImportRatings(command_id=cid(), user_id=ann, source="x", ratings=(("book", 1, 4.0),)))


async def test_a_mistyped_command_is_refused_before_anything_is_decided(handlers, store):
    ann = await new_member(handlers)
    with pytest.raises(InvalidInput, match=r"RateMovie: Expected `int`, got `str` - at `\$.movie_id`"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id="abc", rating=3.0))
    with pytest.raises(InvalidInput, match="rating"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating="lots"))
    assert await store.head() == 2  # the member's sign-up and confirmation only


# --- addresses and passwords -----------------------------------------------------------------------------

async def test_changing_the_address_moves_the_claim_and_a_used_link_does_not_work_twice(handlers, store, keyring):
    ann = await new_member(handlers)
    await new_member(handlers, "bob@example.org", "Bob")
    with pytest.raises(EmailTaken):  # another account's address: refused, nothing written, nothing moved
        await handlers.handle(m.ChangeEmail(command_id=cid(), user_id=ann, new_email="bob@example.org",
                                            email_version=1))
    assert await keyring.owner("ann@example.org") == ann and len(await kinds(store, ann)) == 2
    await handlers.handle(m.ChangeEmail(command_id=cid(), user_id=ann, new_email="bea@example.org", email_version=1))
    assert await keyring.owner("bea@example.org") == ann and await keyring.owner("ann@example.org") is None
    with pytest.raises(InvalidLink):
        await handlers.handle(m.ChangeEmail(command_id=cid(), user_id=ann, new_email="cy@example.org",
                                            email_version=1))
    [changed] = [r.event for r in await store.read_stream(stream_for(ann)) if isinstance(r.event, e.EmailChanged)]
    assert await keyring.open(ann, changed.personal) == {"email": "bea@example.org"} and changed.email_version == 2


async def test_a_reset_link_works_once_and_proves_the_address(handlers, store, keyring):
    ann = await new_member(handlers, verified=False)
    reset = m.ResetPassword(command_id=cid(), user_id=ann, password="a new password", password_version=1)
    await handlers.handle(reset)
    assert await kinds(store, ann) == ["UserSignedUp", "PasswordChanged", "EmailVerified"]
    with pytest.raises(InvalidLink):
        await handlers.handle(m.ResetPassword(command_id=cid(), user_id=ann, password="another one!",
                                              password_version=1))
    changed = (await store.read_stream(stream_for(ann)))[1].event
    assert await keyring.open(ann, changed.personal) == {"password_hash": "hashed:a new password"}


# --- deleting an account ----------------------------------------------------------------------------------

async def test_deleting_without_keeping_ratings_removes_them_through_events(handlers, store):
    ann = await new_member(handlers)
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0))
    await handlers.handle(m.RateShow(command_id=cid(), user_id=ann, show_id=10, rating=3.0))
    await handlers.handle(m.RateEpisode(command_id=cid(), user_id=ann, show_id=10, season=1, episode=1, rating=5.0))
    await handlers.handle(m.DeleteAccount(command_id=cid(), user_id=ann, keep_ratings=False))
    history = await store.read_stream(stream_for(ann))
    assert [type(r.event) for r in history][-4:] == [e.MovieRatingRemoved, e.ShowRatingRemoved,
                                                      e.EpisodeRatingRemoved, e.AccountDeleted]
    assert len({r.position for r in history[-4:]}) == 4 and history[-1].event.ratings_kept is False


async def test_a_deleted_account_is_unreadable_gone_for_commands_and_frees_its_address(handlers, store, keyring):
    ann = await new_member(handlers)
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=1, rating=4.0))
    await handlers.handle(m.DeleteAccount(command_id=cid(), user_id=ann, keep_ratings=True))
    history = [r.event for r in await store.read_stream(stream_for(ann))]
    assert type(history[-1]) is e.AccountDeleted and history[-1].ratings_kept is True
    assert "MovieRatingRemoved" not in await kinds(store, ann)
    assert await keyring.open(ann, history[0].personal) is None
    with pytest.raises(UnknownUser):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=ann, movie_id=2, rating=4.0))
    with pytest.raises(UnknownUser):
        await handlers.handle(m.DeleteAccount(command_id=cid(), user_id=ann, keep_ratings=True))
    again = await new_member(handlers)  # the same address signs up anew: another account
    assert again != ann and await keyring.owner("ann@example.org") == again


async def test_a_deletion_killed_after_the_key_went_is_finished_by_sending_it_again(handlers, store, keyring,
                                                                                   monkeypatch):
    ann = await new_member(handlers)
    command = m.DeleteAccount(command_id=cid(), user_id=ann, keep_ratings=True)

    async def dies(*args, **kwargs):
        raise ConnectionError("the process was killed here")
    with monkeypatch.context() as patch:
        patch.setattr(store, "append", dies)
        with pytest.raises(ConnectionError):
            await handlers.handle(command)
    # the worst moment: the key is gone, the event is not there; nothing personal can be read already
    assert await keyring.owner("ann@example.org") is None
    signup = (await store.read_stream(stream_for(ann)))[0].event
    assert await keyring.open(ann, signup.personal) is None
    await handlers.handle(command)  # the form sent again (or the member presses the button again)
    await handlers.handle(command)
    events = [type(r.event) for r in await store.read_stream(stream_for(ann))]
    assert events.count(e.AccountDeleted) == 1 and events[-1] is e.AccountDeleted


async def test_a_members_next_command_reads_only_what_is_new_in_their_stream(handlers, store, monkeypatch):
    # given a member with a long history
    user_id = await new_member(handlers)
    for i in range(30):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=i % 3 + 1, rating=1 + i % 8 / 2))
    read = []
    real = store.read_stream

    async def counted(stream, since_version=0):
        found = await real(stream, since_version)
        read.append(len(found))
        return found
    monkeypatch.setattr(store, "read_stream", counted)
    # when they rate once more, and a command elsewhere (another process) has meanwhile appended
    await store.append(stream_for(user_id), None, [e.MarkedNotInterested(
        event_id=cid(), stream=stream_for(user_id), occurred_at=datetime.now(timezone.utc), user_id=user_id,
        movie_id=2)])
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=1, rating=5.0))
    # then the handler read only the event it had not seen, and decided on the whole, current state
    assert read == [1]
    assert (await kinds(store, user_id))[-2:] == ["MarkedNotInterested", "MovieRatingChanged"]
