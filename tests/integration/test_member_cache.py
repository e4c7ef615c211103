"""The members a web process keeps in memory (projections/member_cache.py): read once, dropped as
their profiles change, never older than the member's own last command."""
from __future__ import annotations

import asyncio
import uuid

from commands import messages as m
from projections.member_cache import MemberCache
from projections.replay import replay
from projections.user_profiles import UserProfiles
from tests.integration.web_harness import catalog, web_services  # noqa: F401
from tests.members import new_member


async def rate(services, user_id: str, movie_id: int, stars: float) -> int:
    position = await services.handlers.handle(m.RateMovie(command_id=uuid.uuid4().hex, user_id=user_id,
                                                          movie_id=movie_id, rating=stars))
    await services.projector.run_once()
    return position


async def counted(services, user_id: str):
    """A read of the member that counts how often it reached the database."""
    reads = []

    async def read():
        reads.append(1)
        return await services.reads._member(user_id)
    return read, reads


async def test_a_member_is_read_once_then_kept_until_their_profile_changes(catalog, web_services):
    services = web_services
    ann = await new_member(services.handlers)
    await services.projector.run_once()
    cache = MemberCache(services.registry, max_staleness=3600)
    read, reads = await counted(services, ann)
    first = await cache.get(ann, read)
    assert (await cache.get(ann, read)) is first and len(reads) == 1
    # a change made by another process: seen at the next look (here forced by the staleness bound)
    await rate(services, ann, 1, 4.0)
    assert (await cache.get(ann, read)).ratings == {}  # within max_staleness, the kept copy
    cache.max_staleness = 0
    assert (await cache.get(ann, read)).ratings == {1: 4.0} and len(reads) == 2


async def test_a_copy_older_than_the_members_last_command_is_read_again(catalog, web_services):
    services = web_services
    ann = await new_member(services.handlers)
    await services.projector.run_once()
    cache = MemberCache(services.registry, max_staleness=3600)
    read, reads = await counted(services, ann)
    await cache.get(ann, read)
    position = await rate(services, ann, 2, 3.5)
    assert (await cache.get(ann, read, at_least=position)).ratings == {2: 3.5}
    # once a look has passed the position, the copy read is kept for it
    cache.max_staleness = 0
    await cache.get(ann, read, at_least=position)
    cache.max_staleness = 3600
    before = len(reads)
    assert (await cache.get(ann, read, at_least=position)).ratings == {2: 3.5} and len(reads) == before


async def test_a_read_that_spans_a_look_is_not_kept(catalog, web_services):
    services = web_services
    ann = await new_member(services.handlers)
    await services.projector.run_once()
    cache = MemberCache(services.registry, max_staleness=0)
    started, go = asyncio.Event(), asyncio.Event()

    async def slow_read():
        member = await services.reads._member(ann)  # read before the change below
        started.set()
        await go.wait()
        return member

    pending = asyncio.create_task(cache.get(ann, slow_read))
    await started.wait()
    await rate(services, ann, 3, 5.0)
    await cache._follow()  # a look passes the change while the read above is still in flight
    go.set()
    assert (await pending).ratings == {}  # what that read saw…
    cache.max_staleness = 3600
    read, _ = await counted(services, ann)
    assert (await cache.get(ann, read)).ratings == {3: 5.0}  # …was not kept


async def test_a_replay_switching_generations_drops_every_member(catalog, web_services):
    services = web_services
    ann = await new_member(services.handlers)
    await services.projector.run_once()
    cache = MemberCache(services.registry, max_staleness=0)
    read, reads = await counted(services, ann)
    await cache.get(ann, read)
    await cache.get(ann, read)
    assert len(reads) == 1
    await replay(services.store, services.registry, [UserProfiles()])
    await cache.get(ann, read)
    assert len(reads) == 2


async def test_it_keeps_at_most_its_size(catalog, web_services):
    services = web_services
    cache = MemberCache(services.registry, max_staleness=3600, size=2)
    ids = [await new_member(services.handlers, f"m{i}@example.org") for i in range(3)]
    await services.projector.run_once()
    for user_id in ids:
        await cache.get(user_id, (await counted(services, user_id))[0])
    assert len(cache) == 2
