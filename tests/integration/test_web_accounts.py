"""Accounts over HTTP: sign up, log in and out, sessions, CSRF and the log-in throttle.

The app runs on the real services (nx-27017 or MongoDB) and real Redis, driven by Litestar's
AsyncTestClient like a browser without JavaScript: it GETs a page and posts its forms.
"""
from __future__ import annotations

import dataclasses

from domain.accounts import stream_for, user_id_for
from tests.integration.web_harness import (PASSWORD, csrf_token, form, log_in, session_id, sign_up, site,  # noqa: F401
                                           use_session, web_client, web_services)


async def test_signing_up_logs_the_new_member_in(site):
    # when
    response = await sign_up(site, "ann@example.org", name="Ann")
    # then
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = await site.get("/")
    assert "Welcome, Ann" in home.text and "Log out" in home.text
    me = await site.get("/me")
    assert me.status_code == 200 and "ann@example.org" in me.text


async def test_an_address_cannot_sign_up_twice(site, web_services):
    # given
    await sign_up(site, "ann@example.org")
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    # when
    response = await sign_up(site, "ANN@example.org", name="Other Ann", password="another password")
    # then
    assert response.status_code == 422
    assert "already exists" in response.text
    assert session_id(site) is None
    assert len(await web_services.store.read_stream(stream_for(user_id_for("ann@example.org")))) == 1


async def test_a_short_password_is_refused_with_the_rule_and_the_form_kept(site):
    response = await sign_up(site, "bob@example.org", name="Bob", password="short")
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    assert 'value="bob@example.org"' in response.text and 'value="Bob"' in response.text


async def test_logging_in_gives_a_new_session_id_and_retires_the_old_one(site):
    # given a member logged in with one session id
    await sign_up(site, "ann@example.org")
    first = session_id(site)
    # when they log in again
    response = await log_in(site, "ann@example.org")
    # then the session has a new id, and the old one no longer logs anyone in
    assert response.status_code == 303
    second = session_id(site)
    assert first and second and first != second
    use_session(site, first)
    assert (await site.get("/me")).status_code == 303


async def test_a_session_id_planted_before_log_in_is_not_adopted(site):
    # given an attacker-chosen session id in the browser (session fixation)
    await sign_up(site, "ann@example.org")
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    use_session(site, "planted-by-someone-else")
    # when the member logs in
    await log_in(site, "ann@example.org")
    # then the session has an id the server chose
    assert session_id(site) not in (None, "planted-by-someone-else")
    assert (await site.get("/me")).status_code == 200


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(site):
    await sign_up(site, "ann@example.org")
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    for email, password in (("ann@example.org", "not my password"), ("nobody@example.org", PASSWORD)):
        response = await log_in(site, email, password)
        assert response.status_code == 401
        assert "do not match an account" in response.text
        assert session_id(site) is None


async def test_five_failed_log_ins_block_that_address_for_a_while(site):
    # given five failures for one address from one client
    await sign_up(site, "ann@example.org")
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    for _ in range(5):
        assert (await log_in(site, "ann@example.org", "guess guess guess")).status_code == 401
    # when the right password comes next
    response = await log_in(site, "ann@example.org")
    # then it is refused too, with a clear message; other addresses are not affected
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text and "15 minutes" in response.text
    assert session_id(site) is None
    assert (await log_in(site, "bob@example.org", "no account here")).status_code == 401


async def test_a_successful_log_in_clears_earlier_failures(site):
    await sign_up(site, "ann@example.org")
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    for _ in range(4):
        await log_in(site, "ann@example.org", "guess guess guess")
    assert (await log_in(site, "ann@example.org")).status_code == 303
    await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    for _ in range(4):
        assert (await log_in(site, "ann@example.org", "guess guess guess")).status_code == 401


async def test_a_form_without_the_csrf_token_is_refused(site):
    page = await site.get("/login")
    fields = form(page.text, "/login") | {"email": "ann@example.org", "password": PASSWORD}
    del fields["_csrf_token"]
    response = await site.post("/login", data=fields)
    assert response.status_code == 403
    assert "form has expired" in response.text and "Traceback" not in response.text


async def test_an_htmx_request_without_the_csrf_header_is_refused(site):
    await sign_up(site, "ann@example.org")
    token = csrf_token((await site.get("/")).text)
    refused = await site.post("/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    accepted = await site.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 303


async def test_logging_out_ends_the_session(site):
    # given
    await sign_up(site, "ann@example.org")
    before = session_id(site)
    # when
    response = await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    # then
    assert response.status_code == 303 and session_id(site) is None
    use_session(site, before)
    me = await site.get("/me")
    assert me.status_code == 303 and me.headers["location"] == "/login?next=/me"


async def test_session_cookies_are_http_only_and_same_site(site):
    response = await sign_up(site, "ann@example.org")
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith("mbm_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # http in tests


async def test_visitors_get_no_session_at_all(site):
    response = await site.get("/")
    assert not any(v.startswith("mbm_session=") for v in response.headers.get_list("set-cookie"))


async def test_behind_https_the_cookies_are_secure_and_hsts_is_sent(web_services, mongo_url):
    settings = dataclasses.replace(web_services.settings, site_url="https://movies.example.org")
    async with web_client(settings, mongo_url, base_url="https://127.0.0.1") as client:
        first = await client.get("/signup")
        response = await sign_up(client, "ann@example.org")
        cookies = first.headers.get_list("set-cookie") + response.headers.get_list("set-cookie")
        assert {c.split("=")[0] for c in cookies} == {"mbm_csrf", "mbm_session"}
        assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
        assert "max-age=" in response.headers["strict-transport-security"]
