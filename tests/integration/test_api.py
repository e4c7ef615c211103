"""The JSON API (web/api, docs/API.md) through the web app on the real parts: a member makes a personal
token on /me (shown once, only its hash in the log), the API answers them by it and never by their
session cookie, writes go through the same commands as the forms, and every error is a problem
document. Every response here is checked against the schema the app serves at /schema/openapi.json.
"""
from __future__ import annotations

import base64
import dataclasses
import re
import uuid
from datetime import datetime, timezone

import pytest
import schemathesis

from domain import events as e
from mybigmovie import bootstrap
from tests.conftest import running_inbox
from tests.integration.web_harness import CATALOG, PASSWORD, form, log_in, movie_listed, seed, web_client, web_settings
from tests.members import new_member
from web.api.tokens import token_hash

OTHER = "other@example.org"
SHOW = e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test-show", occurred_at=datetime.now(timezone.utc),
                    show_id=903747, title="Breaking Bad", imdb_id="tt0903747", year=2008, genres=("Drama",),
                    episodes=(e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"),), source="test")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
async def shared(mongo_url: str, tmp_path_factory):
    """One site for the module, over the catalog and another member (Bob); each test has a member of
    its own (``site``), so no test sees another's tokens or ratings."""
    with running_inbox() as inbox:
        settings = web_settings(f"test_{uuid.uuid4().hex[:12]}", tmp_path_factory.mktemp("api"), smtp_port=inbox.port)
        async with bootstrap.services(settings, mongo_url) as services:
            await seed(services, [movie_listed(movie) for movie in CATALOG])
            await seed(services, [SHOW])
            other_id = await new_member(services.handlers, OTHER, "Bob", PASSWORD)
            await services.projector.run_once()
            try:
                async with web_client(settings, mongo_url, inbox=inbox) as client:
                    client.schema = await served_schema(client)
                    client.other_id = other_id
                    yield client, services
            finally:
                await services.client.drop_database(settings.database)


async def served_schema(client):
    return schemathesis.openapi.from_dict((await client.get("/schema/openapi.json")).json())


async def member_of(client, services) -> None:
    """A new member for this test, made through the handlers; the client forgets whoever was before."""
    client.cookies.clear()
    client.email = f"api-{uuid.uuid4().hex[:10]}@example.org"
    client.user_id = await new_member(services.handlers, client.email, "Ann", PASSWORD)
    await services.projector.run_once()


@pytest.fixture
async def site(shared):
    await member_of(*shared)
    return shared[0]


@pytest.fixture
def web_services(shared):
    return shared[1]


def checked(client, response):
    """The response, after checking it against the app's own OpenAPI description."""
    path = response.request.url.path
    found = client.schema.find_operation_by_path(response.request.method, path)
    assert found is not None, f"{response.request.method} {path} is not in the schema"
    found.validate_response(response)
    return response


async def api(client, method: str, path: str, token: str | None = None, **kwargs):
    headers = kwargs.pop("headers", {}) | ({"Authorization": f"Bearer {token}"} if token else {})
    return checked(client, await client.request(method, f"/api/v1{path}", headers=headers, **kwargs))


async def make_token(client, name: str, scope: str) -> str:
    """Fill in the form on /me as the member would; the token, read off the page that answers."""
    page = await client.get("/me")
    fields = form(page.text, "/me/api-tokens") | {"name": name, "scope": scope}
    answer = await client.post("/me/api-tokens", data=fields)
    assert answer.status_code == 200, answer.text
    return re.search(r'<code class="api-token">(mbm_[A-Za-z0-9_-]+)</code>', answer.text).group(1)


async def test_a_token_is_shown_once_stored_hashed_and_revoked_on_me(site, web_services):
    # given a member on their page
    await log_in(site, site.email)
    page = await site.get("/me")
    fields = form(page.text, "/me/api-tokens") | {"name": "Nightly sync", "scope": "read"}
    # when they make a token
    answer = await site.post("/me/api-tokens", data=fields)
    token = re.search(r'<code class="api-token">(mbm_[A-Za-z0-9_-]+)</code>', answer.text).group(1)
    # then it works on the API, and is listed by name but never shown again
    assert (await api(site, "GET", "/me/ratings", token)).status_code == 200
    again = await site.get("/me")
    assert "Nightly sync" in again.text and "read only" in again.text and token not in again.text
    # and the log holds its hash, never the token
    created = [r.event for r in await web_services.store.read_all(after=0, limit=10_000)
               if isinstance(r.event, e.ApiTokenCreated) and r.event.user_id == site.user_id]
    assert [c.token_hash for c in created] == [token_hash(token)]
    assert all(token not in repr(r.event) for r in await web_services.store.read_all(after=0, limit=10_000))
    # when the same form is sent a second time, no second token is made, and the page says why
    twice = await site.post("/me/api-tokens", data=fields)
    assert twice.status_code == 422 and "sent twice" in twice.text and "mbm_" not in twice.text
    # when they revoke it, it stops working at once
    listing = await site.get("/me")
    revoke = next(action for action in re.findall(r'action="(/me/api-tokens/[0-9a-f]+/revoke)"', listing.text))
    assert (await site.post(revoke, data=form(listing.text, revoke))).status_code == 303
    gone = await api(site, "GET", "/me/ratings", token)
    assert gone.status_code == 401 and gone.headers["content-type"].startswith(PROBLEM)
    assert "Nightly sync" not in (await site.get("/me")).text


async def test_a_token_revoked_in_one_web_process_stops_working_in_another(site, web_services, mongo_url):
    # given a member's token, which another web process has already checked (and keeps)
    await log_in(site, site.email)
    token = await make_token(site, "laptop", "read")
    async with web_client(web_services.settings, mongo_url, another_process_of=site) as other:
        other.schema = site.schema
        assert (await api(other, "GET", "/me/ratings", token)).status_code == 200
        # when the member revokes it on the first process
        listing = await site.get("/me")
        revoke = re.search(r'action="(/me/api-tokens/[0-9a-f]+/revoke)"', listing.text).group(1)
        assert (await site.post(revoke, data=form(listing.text, revoke))).status_code == 303
        # then the other process refuses it within its staleness bound (it follows the tokens' read model)
        bound = other.app.state.services.reads.catalog.max_staleness
        refused = await _eventually_refused(other, token, seconds=bound + 2)
        assert refused.status_code == 401


async def _eventually_refused(client, token: str, seconds: float):
    import asyncio
    import time
    deadline = time.monotonic() + seconds
    while True:
        answer = await client.get("/api/v1/me/ratings", headers={"Authorization": f"Bearer {token}"})
        if answer.status_code != 200 or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.05)


async def test_a_write_is_the_forms_command_and_a_key_makes_it_once(site, web_services):
    # given a member with a read-write token
    await log_in(site, site.email)
    token = await make_token(site, "rw", "read-write")
    # when they rate a movie and a show through the API
    rated = await api(site, "PUT", "/me/ratings/movies/3", token, json={"stars": 4.5})
    assert rated.status_code == 200 and rated.json() == {"kind": "movie", "id": 3, "title": "The Godfather",
                                                         "stars": 4.5}
    assert (await api(site, "PUT", f"/me/ratings/shows/{SHOW.show_id}", token, json={"stars": 3})).status_code == 200
    # then their page shows it, and the log holds the events the web's forms make
    assert "The Godfather" in (await site.get("/me")).text
    kinds = [type(r.event) for r in await web_services.store.read_stream(f"user-{site.user_id}")]
    assert e.MovieRated in kinds and e.ShowRated in kinds
    # when a change is sent again with the same Idempotency-Key, even with other stars, nothing changes twice
    key = {"Idempotency-Key": "change-1"}
    await api(site, "PUT", "/me/ratings/movies/3", token, json={"stars": 2}, headers=key)
    again = await api(site, "PUT", "/me/ratings/movies/3", token, json={"stars": 5}, headers=key)
    assert again.json()["stars"] == 2
    # and removing the rating is a DELETE, after which the ratings no longer hold it
    assert (await api(site, "DELETE", "/me/ratings/movies/3", token)).status_code == 204
    ratings = (await api(site, "GET", "/me/ratings", token)).json()
    assert ratings["movies"] == [] and ratings["shows"][0]["id"] == SHOW.show_id
    # and the history and the export have it all, newest first
    history = (await api(site, "GET", "/me/history?kind=ratings", token)).json()["entries"]
    assert [h["type"] for h in history][:2] == ["movie-rating-removed/1", "movie-rating-changed/1"]
    export = await api(site, "GET", "/me/export/events.jsonl", token)
    assert export.headers["content-type"].startswith("application/x-ndjson")
    assert export.text.count("\n") == len(history) + 3  # header, sign-up, confirmation, and the ratings


async def test_the_catalog_and_search_are_public_and_recommendations_are_the_members(site):
    # given a visitor without a token
    movies = (await api(site, "GET", "/movies?genre=Comedy")).json()
    assert [m["title"] for m in movies["items"]] == ["Toy Story", "Clueless"] and movies["next_page"] is None
    assert (await api(site, "GET", "/movies/5")).json()["title"] == "Alien"
    show = (await api(site, "GET", f"/shows/{SHOW.show_id}")).json()
    assert show["seasons"] == [{"season": 1, "episodes": [{"number": 1, "title": "Pilot", "airdate": "2008-01-20"}]}]
    found = (await api(site, "GET", "/search?q=godfather")).json()
    assert [m["id"] for m in found["movies"]] == [3]
    # and the schema describes the API alone, on a page that needs nothing from elsewhere
    schema = (await site.get("/schema/openapi.json")).json()
    assert schema["openapi"].startswith("3.1") and all(path.startswith("/api/v1/") for path in schema["paths"])
    docs = await site.get("/schema")
    assert docs.status_code == 200 and "/api/v1/me/ratings/movies/{movie_id}" in docs.text
    assert "<script" not in docs.text and "https://" not in docs.text
    # when a member asks for their recommendations with a token
    await log_in(site, site.email)
    token = await make_token(site, "r", "read")
    picks = (await api(site, "GET", "/me/recommendations", token)).json()
    # then they get the list without what they rated, each with the card's guess or reason
    assert {p["title"]["id"] for p in picks["items"]} == {m.id for m in CATALOG}
    shows = (await api(site, "GET", "/me/recommendations?kind=shows", token)).json()["items"]
    assert [pick["title"]["kind"] for pick in shows] == ["show"]


async def test_a_cookie_a_wrong_token_or_a_read_token_cannot_write(site, web_services):
    # given a member logged in on the site (their session cookie in the jar) with a read token
    await log_in(site, site.email)
    read = await make_token(site, "read", "read")
    # then the cookie alone is no credential: reading or writing is a 401 problem with a challenge
    for method, path, body in (("GET", "/me/ratings", None), ("PUT", "/me/ratings/movies/1", {"stars": 4})):
        refused = await api(site, method, path, json=body)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["status"] == 401 and refused.headers["content-type"].startswith(PROBLEM)
    # and a token naming another member with this one's secret, a made-up one, or a bare word are 401
    secret = base64.urlsafe_b64decode(read[4:])[16:]
    forged = "mbm_" + base64.urlsafe_b64encode(uuid.UUID(site.other_id).bytes + secret).decode()
    for bad in (forged, "mbm_" + "x" * 64, "nonsense", read[:-1] + ("A" if read[-1] != "A" else "B")):
        assert (await api(site, "GET", "/me/ratings", bad)).status_code == 401
    # and another member's id in a body is only ignored: the token says whose rating it is
    write = await make_token(site, "write", "read-write")
    body = {"stars": 4, "user_id": site.other_id}
    assert (await api(site, "PUT", "/me/ratings/movies/2", write, json=body)).status_code == 200
    assert [r["id"] for r in (await api(site, "GET", "/me/ratings", write)).json()["movies"]] == [2]
    assert (await web_services.reads.member(site.other_id, at_least=2**62)).ratings == {}
    # and the read token may read but not write: 403 with insufficient_scope
    denied = await api(site, "PUT", "/me/ratings/movies/1", read, json={"stars": 4})
    assert denied.status_code == 403 and "insufficient_scope" in denied.headers["www-authenticate"]
    assert [r["id"] for r in (await api(site, "GET", "/me/ratings", read)).json()["movies"]] == [2]


async def test_bad_input_is_a_problem_that_says_what(site):
    # given a member with a read-write token
    await log_in(site, site.email)
    token = await make_token(site, "rw", "read-write")
    # then stars out of range or not in halves, and a body that is not JSON, are 4xx problems naming the value
    for body in ({"stars": 7}, {"stars": 4.25}, {"stars": None}, {}):
        invalid = await api(site, "PUT", "/me/ratings/movies/1", token, json=body)
        assert invalid.status_code == 422 and invalid.json()["errors"], invalid.text
    garbled = await api(site, "PUT", "/me/ratings/movies/1", token, content=b"{stars:", headers={
        "Content-Type": "application/json"})
    assert garbled.status_code == 400 and garbled.headers["content-type"].startswith(PROBLEM)
    huge = await api(site, "PUT", "/me/ratings/movies/1", token, json={"stars": 4, "pad": "a" * 100_000})
    assert huge.status_code == 413 and huge.json()["status"] == 413
    # and an unknown title, an id out of range, an address or a method the API does not have are problems too
    assert (await api(site, "PUT", "/me/ratings/movies/999", token, json={"stars": 4})).status_code == 404
    assert (await site.get("/api/v1/movies/99999999999999999999")).status_code == 404
    assert (await api(site, "PUT", f"/me/ratings/movies/{2**53 + 1}", token, json={"stars": 4})).status_code == 404
    for method, path, status in (("GET", "/api/v1/nothing-here", 404), ("POST", "/api/v1/movies", 405)):
        answer = await site.request(method, path)
        assert answer.status_code == status and answer.json()["status"] == status
        assert answer.json()["type"] == "about:blank" and answer.json()["title"] and answer.json()["detail"]
        assert answer.headers["content-type"].startswith(PROBLEM) and "Traceback" not in answer.text
    # and the site's pages still answer errors as pages
    assert "text/html" in (await site.get("/nothing-here")).headers["content-type"]


async def test_ending_sessions_ends_tokens_and_a_limit_answers_429(shared, mongo_url):
    # given the site with a limit of 3 requests a minute per token, and a member with a token
    services = shared[1]
    settings = dataclasses.replace(services.settings, api_requests_per_minute=3)
    async with web_client(settings, mongo_url, inbox=shared[0].inbox) as client:
        client.schema = await served_schema(client)
        await member_of(client, services)
        await log_in(client, client.email)
        token = await make_token(client, "limited", "read")
        # when it makes a fourth request within the minute
        answers = [await api(client, "GET", "/me/ratings", token) for _ in range(4)]
        # then the fourth is a 429 problem saying when to come back
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 1 <= int(answers[3].headers["retry-after"]) <= 60 and answers[3].json()["status"] == 429
        # when the member logs out everywhere, a second token (its own limit) stops working too
        second = await make_token(client, "second", "read")
        assert (await api(client, "GET", "/me/ratings", second)).status_code == 200
        page = await client.get("/me/account")
        await client.post("/me/sessions/end", data=form(page.text, "/me/sessions/end"))
        assert (await api(client, "GET", "/me/ratings", second)).status_code == 401
