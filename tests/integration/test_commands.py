"""Command handlers against the real event store: decide on fresh state, append once."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from commands import messages as m
from commands.handlers import CommandHandlers
from commands.keyring import MongoKeyring
from commands.mongo_store import MongoEventStore
from domain import events as e
from domain.accounts import new_user_id, stream_for
from domain.errors import EmailTaken, InvalidInput, InvalidRating, UnknownTitle, UnknownUser
from tests.members import new_member


class KnownTitles:
    """The catalog port answered from a fixed set (the catalog read models are tested on their own)."""

    async def has_movie(self, movie_id: int) -> bool:
        return movie_id in (1, 2, 3)

    async def has_show(self, show_id: int) -> bool:
        return show_id == 10

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool:
        return (show_id, season, episode) == (10, 1, 1)


def cid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
async def store(database):
    store = MongoEventStore(database)
    await store.create_indexes()
    return store


@pytest.fixture
async def keyring(database):
    keyring = MongoKeyring(database)
    await keyring.create_indexes()
    return keyring


@pytest.fixture
def handlers(store, keyring):
    async def hash_password(password: str) -> str:
        return f"hashed:{password}"
    return CommandHandlers(store, KnownTitles(), keyring, hash_password=hash_password)


async def sign_up(handlers, email="ann@example.org") -> str:
    """A member with a confirmed address (two events: UserSignedUp, EmailVerified)."""
    return await new_member(handlers, email, "Ann", "correct horse")


async def kinds(store, user_id):
    return [type(r.event).__name__ for r in await store.read_stream(stream_for(user_id))]


async def test_sign_up_records_the_account_with_a_hash_not_the_password(handlers, store, keyring):
    command_id = cid()
    await handlers.handle(m.SignUp(command_id=command_id, email="  Ann@Example.ORG ", password="correct horse",
                                   display_name="Ann"))
    user_id = new_user_id(command_id, "ann@example.org")
    [recorded] = await store.read_stream(stream_for(user_id))
    assert isinstance(recorded.event, e.UserSignedUp)
    personal = await keyring.open(user_id, recorded.event.personal)
    assert personal["email"] == "ann@example.org"
    assert personal["password_hash"] == "hashed:correct horse"
    assert b"correct horse" not in recorded.event.personal.data  # neither in clear in the log
    assert b"ann@example.org" not in recorded.event.personal.data


async def test_an_email_signs_up_once_even_when_ten_try_at_once(handlers):
    results = await asyncio.gather(*(handlers.handle(m.SignUp(command_id=cid(), email="bob@example.org",
                                                               password="correct horse", display_name="Bob"))
                                     for _ in range(10)), return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, EmailTaken) for r in results if not isinstance(r, int))


async def test_a_double_submitted_form_appends_once(handlers, store):
    user_id = await sign_up(handlers)
    command = m.RateMovie(command_id=cid(), user_id=user_id, movie_id=1, rating=4.0)
    first, again = await asyncio.gather(handlers.handle(command), handlers.handle(command))
    assert first == again
    assert await kinds(store, user_id) == ["UserSignedUp", "EmailVerified", "MovieRated"]
    signup = m.SignUp(command_id=cid(), email="cy@example.org", password="correct horse", display_name="Cy")
    assert await handlers.handle(signup) == await handlers.handle(signup)


async def test_rating_then_changing_then_removing(handlers, store):
    user_id = await sign_up(handlers)
    for rating in (4.0, 4.0, 2.5):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=2, rating=rating))
    await handlers.handle(m.RemoveMovieRating(command_id=cid(), user_id=user_id, movie_id=2))
    assert await kinds(store, user_id) == ["UserSignedUp", "EmailVerified", "MovieRated", "MovieRatingChanged",
                                           "MovieRatingRemoved"]


async def test_rating_a_movie_marked_not_seen_unmarks_it(handlers, store):
    user_id = await sign_up(handlers)
    await handlers.handle(m.MarkNotSeen(command_id=cid(), user_id=user_id, movie_id=3))
    await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=3, rating=5.0))
    assert await kinds(store, user_id) == ["UserSignedUp", "EmailVerified", "MarkedNotSeen", "NotSeenUnmarked",
                                           "MovieRated"]


@pytest.mark.parametrize("rating", [0.0, 0.25, 5.5, 7, -1, 3.3])
async def test_an_invalid_rating_is_refused_and_nothing_is_written(handlers, store, rating):
    user_id = await sign_up(handlers)
    with pytest.raises(InvalidRating, match="half steps"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=1, rating=rating))
    assert await store.head() == 2  # the member's sign-up and confirmation only


async def test_unknown_titles_users_and_bad_sign_ups_are_refused(handlers, store):
    user_id = await sign_up(handlers)
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=999, rating=3.0))
    with pytest.raises(UnknownTitle):
        await handlers.handle(m.RateEpisode(command_id=cid(), user_id=user_id, show_id=10, season=9, episode=1,
                                            rating=3.0))
    with pytest.raises(UnknownUser):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id="nobody", movie_id=1, rating=3.0))
    with pytest.raises(InvalidInput, match="e-mail"):
        await handlers.handle(m.SignUp(command_id=cid(), email="not-an-address", password="correct horse",
                                       display_name="X"))
    with pytest.raises(InvalidInput, match="password"):
        await handlers.handle(m.SignUp(command_id=cid(), email="d@example.org", password="short", display_name="D"))
    assert await store.head() == 2  # the member's sign-up and confirmation only


async def test_shows_and_episodes_are_rated(handlers, store):
    user_id = await sign_up(handlers)
    await handlers.handle(m.RateShow(command_id=cid(), user_id=user_id, show_id=10, rating=4.5))
    await handlers.handle(m.RateEpisode(command_id=cid(), user_id=user_id, show_id=10, season=1, episode=1,
                                        rating=3.5))
    history = await store.read_stream(stream_for(user_id))
    assert isinstance(history[2].event, e.ShowRated) and isinstance(history[3].event, e.EpisodeRated)


async def test_a_mistyped_command_is_refused_before_anything_is_decided(handlers, store):
    user_id = await sign_up(handlers)
    with pytest.raises(InvalidInput, match=r"RateMovie: Expected `int`, got `str` - at `\$.movie_id`"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id="abc", rating=3.0))
    with pytest.raises(InvalidInput, match="rating"):
        await handlers.handle(m.RateMovie(command_id=cid(), user_id=user_id, movie_id=1, rating="lots"))
    assert await store.head() == 2  # the member's sign-up and confirmation only
