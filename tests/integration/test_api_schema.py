"""A property-based run over the API's own OpenAPI description (schemathesis): for every operation,
requests made from the schema, valid and not, sent to the app with a real member's read-write token
on the real parts. No answer may be a 5xx, and every answer must be one the schema describes (its
status, its media type, its body). Bounded, so the whole run takes seconds.
"""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

import hypothesis
import pytest
import redis.asyncio as redis
import schemathesis
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi

from commands import messages as m
from mybigmovie import bootstrap
from tests.integration.web_harness import CATALOG, REDIS_URL, movie_listed, seed, web_settings
from tests.integration.test_api import SHOW
from tests.members import new_member
from web.api.tokens import new_token
from web.app import create_app

EXAMPLES = 12  # per operation and phase: enough to reach every branch of these handlers, in seconds


async def _prepare(settings, mongo_url: str) -> str:
    """The catalog and a member who rated a movie, with a read-write token: the token."""
    async with bootstrap.services(settings, mongo_url) as services:
        await seed(services, [movie_listed(movie) for movie in CATALOG])
        await seed(services, [SHOW])
        user_id = await new_member(services.handlers, "fuzz@example.org", "Fuzz")
        await services.handlers.handle(m.RateMovie(command_id=uuid.uuid4().hex, user_id=user_id, movie_id=1, rating=4))
        token, token_id, digest = new_token(user_id)
        await services.handlers.handle(m.CreateApiToken(command_id=uuid.uuid4().hex, user_id=user_id, token_id=token_id,
                                                        token_hash=digest, scope="read-write", name="fuzz"))
        await services.projector.run_once()
    return token


async def _clean(settings, mongo_url: str, namespace: str) -> None:
    async with bootstrap.services(settings, mongo_url) as services:
        await services.client.drop_database(settings.database)
    async with redis.from_url(REDIS_URL) as connection:
        async for key in connection.scan_iter(f"{namespace}:*"):
            await connection.delete(key)


@pytest.fixture(scope="module")
def served(mongo_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The app (run by schemathesis's ASGI client, in a thread of its own) and the member's token."""
    settings = dataclasses.replace(web_settings(f"api_{uuid.uuid4().hex[:10]}", tmp_path_factory.mktemp("api")),
                                   api_requests_per_minute=1_000_000)
    token = asyncio.run(_prepare(settings, mongo_url))
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    yield create_app(lambda: bootstrap.services(settings, mongo_url), settings, redis_namespace=namespace), token
    asgi.shutdown_lifespans()
    asyncio.run(_clean(settings, mongo_url, namespace))


@pytest.fixture(scope="module")
def api_schema(served):
    return schemathesis.openapi.from_asgi("/schema/openapi.json", served[0])


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_and_every_answer_as_the_schema_says(api_schema, served, mode):
    # given requests the schema describes (positive) or does not (negative), with the member's token,
    # for every operation
    auth = {"Authorization": f"Bearer {served[1]}"}
    for operation in operations(api_schema):
        @hypothesis.given(operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        def run(case):
            # when one is sent, then the answer is no server error and is one the schema describes
            case.call_and_validate(headers=auth)
        run()
