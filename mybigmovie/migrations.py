"""One-off migrations of the event log, run by ``mybigmovie migrate`` and at the start of ``serve``.

**Personal data sealed (``user-signed-up/1`` → ``/2``).** The first accounts were recorded with the
e-mail address, name and password hash in clear, under a user id derived from the address
(uuid5 of it, with a namespace published in our own source). Upcasting (decoding old events into
the new shape on read) would leave those bytes in the stored log, and the user id would still
name the address to anyone holding a list of addresses: erasure would be a pretence. So this is a
one-off REWRITE, the single exception to "events are immutable", made for the right to erasure:
each such account gets a random user id and a key in the keyring, its sign-up event is sealed, and
every commit of its stream moves to the new stream with the new id (positions, versions and event
ids unchanged). The sign-up commit moves last, and the new id is found again from the keyring
claim, so a migration killed half-way resumes where it stopped. Read models are rebuilt after.
Migrated members are unverified: they confirm their address at their next log-in (the old sign-up
never proved it), which also ends the weekly mail to addresses nobody confirmed.
"""
from __future__ import annotations

import uuid
from typing import Callable

import msgspec

from commands.keyring import Keyring
from commands.mongo_store import MongoEventStore
from domain import events as e
from domain.accounts import stream_for
from domain.errors import EmailTaken

V1 = e.UserSignedUpV1.__struct_config__.tag


async def seal_personal_data(store: MongoEventStore, keyring: Keyring,
                             progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Migrate every account still signed up as ``user-signed-up/1``; returns how many."""
    streams = await store.streams_with(V1, prefix="user-")
    for done, stream in enumerate(streams):
        await _migrate_account(store, keyring, stream)
        progress(done + 1, len(streams))
    return len(streams)


async def _migrate_account(store: MongoEventStore, keyring: Keyring, stream: str) -> None:
    commits = [[r.event for r in commit] for commit in await store.read_commits(stream)]
    signup = next(event for commit in commits for event in commit if isinstance(event, e.UserSignedUpV1))
    new_id = await _claim(keyring, signup)
    personal = await keyring.seal(new_id, {"email": signup.email, "display_name": signup.display_name,
                                           "password_hash": signup.password_hash})
    moved = [[_moved(event, new_id, stream_for(new_id), personal) for event in commit] for commit in commits]
    # The sign-up's commit last: until it moves, the old stream still names the account to resume.
    moved.sort(key=lambda commit: any(isinstance(event, e.UserSignedUp) for event in commit))
    for commit in moved:
        await store.rewrite_commit(commit, from_stream=stream)


async def _claim(keyring: Keyring, signup: e.UserSignedUpV1) -> str:
    """A new random id with its key and address claim; the same one again when resuming."""
    command_id = f"migrated/{signup.user_id}"
    try:
        new_id = str(uuid.uuid4())
        await keyring.claim(new_id, signup.email, command_id)
        return new_id
    except EmailTaken:
        holder = await keyring.claimed_by(signup.email)
        if holder and holder[1] == command_id:
            return holder[0]
        raise


def _moved(event: e.Event, new_id: str, new_stream: str, personal: e.Sealed) -> e.Event:
    if isinstance(event, e.UserSignedUpV1):
        return e.UserSignedUp(event_id=event.event_id, stream=new_stream, occurred_at=event.occurred_at,
                              user_id=new_id, personal=personal)
    changes = {"stream": new_stream, **({"user_id": new_id} if hasattr(event, "user_id") else {})}
    return msgspec.structs.replace(event, **changes)
