"""Attack: riding on a session and reaching what is not one's own.

* Sessions: an idle session expires after 7 days in the store and each use renews it; deleting the
  account ends its sessions on every device; every member page offers the log-out; changing the
  address asks for the password again.
* Access: no state-changing route does anything for a visitor (each member route sends them to log
  in); a member names the account she acts on nowhere in a request, so putting another member's id
  in a form changes only her own account.
"""
from __future__ import annotations

import redis.asyncio as redis

from tests.integration.web_harness import PASSWORD, REDIS_URL, form, log_in
from tests.security.conftest import (CSRF, MEMBER, SESSION, UNSAFE_ROUTES, VICTIM, app_client, cookies_of, fill)
from web.security import IDLE_SECONDS


async def stream(services, email: str) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{await services.keyring.owner(email)}")]


async def test_an_idle_session_expires_in_the_store_and_each_use_renews_it(fresh):
    client, _ = fresh
    assert (await log_in(client, MEMBER)).status_code == 303
    key = f"{client.namespace}:sessions:{cookies_of(client)[SESSION]}"
    async with redis.from_url(REDIS_URL) as connection:
        assert IDLE_SECONDS - 60 < await connection.ttl(key) <= IDLE_SECONDS
        await connection.expire(key, 100)  # as if she had been away for almost seven days
        assert (await client.get("/me")).status_code == 200
        assert IDLE_SECONDS - 60 < await connection.ttl(key) <= IDLE_SECONDS
        await connection.delete(key)  # and once the store has let it go, the cookie is worth nothing
    assert (await client.get("/me")).status_code == 303


async def test_deleting_the_account_ends_its_sessions_on_every_device(target, web_services, mongo_url):
    assert (await log_in(target, MEMBER)).status_code == 303
    async with app_client(web_services.settings, mongo_url) as other_device:
        assert (await log_in(other_device, MEMBER)).status_code == 303
        page = await target.get("/me/account")
        deleted = await target.post("/me/delete", data=form(page.text, "/me/delete") | {
            "current_password": PASSWORD, "ratings": "remove", "confirm": "true"})
        assert deleted.status_code == 303
        assert (await other_device.get("/me")).status_code == 303
        assert SESSION not in cookies_of(other_device)


async def test_every_member_page_offers_the_log_out(fresh):
    client, _ = fresh
    assert (await log_in(client, MEMBER)).status_code == 303
    for path in ("/", "/me", "/me/account", "/movies", "/movies/1", "/shows", "/shows/1", "/search?q=toy", "/about"):
        page = await client.get(path)
        assert page.status_code == 200 and 'action="/logout"' in page.text, path


async def test_changing_the_address_asks_for_the_password_again(fresh):
    client, _ = fresh
    assert (await log_in(client, MEMBER)).status_code == 303
    page = await client.get("/me/account")
    refused = await client.post("/me/email", data=form(page.text, "/me/email") | {
        "email": "mallory@example.org", "current_password": "not her password"})
    assert refused.status_code == 422 and "not your current password" in refused.text
    assert not client.inbox.to("mallory@example.org")


async def test_no_route_acts_for_a_visitor(fresh):
    client, services = fresh
    await client.get("/login")
    token = cookies_of(client)[CSRF]
    head = await services.store.head()
    sent_to_log_in = []
    fields = {"command_id": "6f1c2c1e-1f0b-4a8e-9d69-1f1f3b0b7a01", "rating": "4", "marked": "true",
              "ratings": "remove", "confirm": "true", "current_password": PASSWORD, "password": "a new password!",
              "email": "visitor@example.org", "token": "", "_csrf_token": token}
    for method, path in UNSAFE_ROUTES:
        response = await client.request(method, fill(path), data=fields)
        assert response.status_code < 500 and SESSION not in cookies_of(client), (path, response.status_code)
        if response.status_code == 303 and response.headers["location"].startswith("/login?next="):
            sent_to_log_in.append(path)
        client.cookies.set(CSRF, token, domain=client.base_url.host)  # /logout renews it; keep one token
    assert await services.store.head() == head  # not one event recorded
    assert {"/me/delete", "/me/email", "/me/password", "/me/sessions/end",
            "/movies/{movie_id:int}/rating"} <= set(sent_to_log_in)


async def test_another_members_id_in_a_form_acts_on_ones_own_account_only(fresh):
    client, services = fresh
    victim_id = await services.keyring.owner(VICTIM)
    victim_before, own_before = await stream(services, VICTIM), await stream(services, MEMBER)
    assert (await log_in(client, MEMBER)).status_code == 303
    page = await client.get("/movies/2")
    for action, extra in (("/movies/2/rating", {"rating": "5"}), ("/movies/2/not-interested", {})):
        response = await client.post(action, data=form(page.text, action) | extra | {
            "user_id": victim_id, "user": victim_id, "member": victim_id, "stream": f"user-{victim_id}"})
        assert response.status_code == 303
    assert await stream(services, VICTIM) == victim_before
    assert len(await stream(services, MEMBER)) == len(own_before) + 2
