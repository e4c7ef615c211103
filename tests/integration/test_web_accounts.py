"""Accounts over HTTP, as a person (and an attacker) meets them: sign-up with a confirmed address,
log-in and sessions, recovery, change of password and address, log out everywhere, deletion.

The app runs on the real services (nx-27017 or MongoDB), real Redis and a real SMTP server on
loopback, driven by Litestar's AsyncTestClient like a browser without JavaScript.
"""
from __future__ import annotations

import asyncio
import dataclasses

from domain.events import AccountDeleted, UserSignedUp
from tests.conftest import link_in
from tests.integration.web_harness import (PASSWORD, confirm_address, csrf_token, follow_link, form, join,  # noqa: F401
                                           log_in, session_id, sign_up, site, use_session, web_client, web_services)


async def log_out(client) -> None:
    await client.post("/logout", data={"_csrf_token": csrf_token((await client.get("/")).text)})


async def events_of(services, email: str) -> list:
    user_id = await services.keyring.owner(email)
    return [r.event for r in await services.store.read_stream(f"user-{user_id}")] if user_id else []


async def account_form(client, action: str, **fields):
    page = await client.get("/me/account")
    return await client.post(action, data=form(page.text, action) | fields)


# --- sign-up and a confirmed address ----------------------------------------------------------

async def test_signing_up_sends_a_confirmation_link_and_logs_nobody_in(site):
    # when
    response = await sign_up(site, "ann@example.org", name="Ann")
    # then: a page that says to check the inbox, no session, and a link in the mail
    assert response.status_code == 200 and "Check your inbox" in response.text
    assert session_id(site) is None
    [message] = await site.inbox.wait_for("ann@example.org", "Confirm your e-mail")
    assert message["To"] == "ann@example.org" and message["Date"] and message["Message-ID"]
    # and the account cannot log in until the address is confirmed
    refused = await log_in(site, "ann@example.org")
    assert refused.status_code == 403 and "confirm your e-mail address" in refused.text
    assert (await confirm_address(site, "ann@example.org", count=2)).headers["location"] == "/login?notice=verified"
    assert (await log_in(site, "ann@example.org")).status_code == 303
    me = await site.get("/me")
    assert me.status_code == 200 and "ann@example.org" in me.text and "Ann" in me.text


async def test_a_known_address_gets_the_same_answer_and_its_owner_an_e_mail(site, web_services):
    # given a member
    await join(site, "ann@example.org")
    await log_out(site)
    before = await events_of(web_services, "ann@example.org")
    # when somebody signs up with her address (another case, another password)
    known = await sign_up(site, "ANN@example.org", name="Mallory", password="another password")
    unknown = await sign_up(site, "bob@example.org", name="Mallory", password="another password")
    # then both answers are the same page, nobody is logged in, and nothing changed on her account
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ann@example.org", "X") == unknown.text.replace("bob@example.org", "X")
    assert session_id(site) is None
    assert await events_of(web_services, "ann@example.org") == before
    # and she is told by e-mail, not the visitor
    [notice] = await site.inbox.wait_for("ann@example.org", "already have")
    assert "/password/forgot" in notice.get_content()


async def test_a_new_confirmation_link_can_be_asked_for_and_the_newest_works(site):
    await sign_up(site, "ann@example.org")
    page = await site.get("/account/verify/resend")
    fields = form(page.text, "/account/verify/resend")
    asked = await site.post("/account/verify/resend", data=fields | {"email": "ann@example.org"})
    nobody = await site.post("/account/verify/resend", data=fields | {"email": "nobody@example.org"})
    assert asked.status_code == nobody.status_code == 200 and "Check your inbox" in asked.text
    assert (await site.post("/account/verify/resend", data=fields | {"email": "not an address"})).status_code == 422
    assert (await confirm_address(site, "ann@example.org", count=2)).status_code == 303
    assert site.inbox.to("nobody@example.org") == []
    # once confirmed, asking again sends nothing
    await site.post("/account/verify/resend", data=fields | {"email": "ann@example.org"})
    await asyncio.sleep(0.5)
    assert len(site.inbox.to("ann@example.org", "Confirm your e-mail")) == 2


async def test_resending_ones_own_sign_up_form_with_another_address_takes_over_nothing(site, web_services):
    # given the victim, and an attacker's own filled-in sign-up form (with its command id)
    await join(site, "victim@example.org", password="victim's password")
    await log_out(site)
    page = await site.get("/signup")
    attackers_form = form(page.text, "/signup") | {"email": "mallory@example.org", "display_name": "M",
                                                   "password": "mallory's password"}
    await site.post("/signup", data=attackers_form)
    before = await events_of(web_services, "victim@example.org")
    # when the attacker re-sends that form with the victim's address and the right password
    replay = await site.post("/signup", data=attackers_form | {"email": "victim@example.org",
                                                               "password": "victim's password"})
    # then the answer is the generic one, with no session, and the victim's account is untouched
    assert replay.status_code == 200 and "Check your inbox" in replay.text
    assert session_id(site) is None and (await site.get("/me")).status_code == 303
    assert await events_of(web_services, "victim@example.org") == before


async def test_a_display_name_or_a_list_in_the_address_is_refused(site):
    for address in ("Ann <ann@example.org>", "ann@example.org, bob@example.org", "ann@example.org\r\nBcc: x@y.org"):
        response = await sign_up(site, address)
        assert response.status_code == 422 and "valid e-mail address" in response.text
    assert not site.inbox.messages


async def test_a_short_password_is_refused_with_the_rule_and_the_form_kept(site):
    response = await sign_up(site, "bob@example.org", name="Bob", password="short")
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    assert 'value="bob@example.org"' in response.text and 'value="Bob"' in response.text


async def test_a_confirmation_link_that_was_tampered_with_is_refused(site):
    await sign_up(site, "ann@example.org")
    [message] = await site.inbox.wait_for("ann@example.org", "Confirm")
    link = link_in(message, "/account/verify")
    tampered = link[:-6] + ("AAAAAA" if not link.endswith("AAAAAA") else "BBBBBB")
    assert (await site.get(tampered)).status_code == 400
    # and a reset link is not a confirmation link (each purpose has its own key)
    assert (await site.get(link.replace("/account/verify", "/password/reset"))).status_code == 400


# --- log-in, sessions ---------------------------------------------------------------------------

async def test_logging_in_gives_a_new_session_id_and_retires_the_old_one(site):
    await join(site, "ann@example.org")
    first = session_id(site)
    response = await log_in(site, "ann@example.org")
    assert response.status_code == 303
    second = session_id(site)
    assert first and second and first != second
    use_session(site, first)
    assert (await site.get("/me")).status_code == 303


async def test_a_session_id_planted_before_log_in_is_not_adopted(site):
    await join(site, "ann@example.org")
    await log_out(site)
    use_session(site, "planted-by-someone-else")
    await log_in(site, "ann@example.org")
    assert session_id(site) not in (None, "planted-by-someone-else")
    assert (await site.get("/me")).status_code == 200


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(site):
    await join(site, "ann@example.org")
    await log_out(site)
    for email, password in (("ann@example.org", "not my password"), ("nobody@example.org", PASSWORD)):
        response = await log_in(site, email, password)
        assert response.status_code == 401
        assert "do not match an account" in response.text
        assert session_id(site) is None


async def test_simultaneous_guesses_are_counted_before_any_password_is_checked(site):
    # given a member
    await join(site, "ann@example.org")
    await log_out(site)
    page = await site.get("/login")
    fields = form(page.text, "/login") | {"email": "ann@example.org", "password": "guess guess guess"}
    # when 30 wrong passwords arrive at once
    answers = await asyncio.gather(*(site.post("/login", data=fields) for _ in range(30)))
    # then only 5 were checked; the rest were refused unread, and so is the right one now
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(401) == 5 and codes.count(429) == 25
    assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)
    refused = await log_in(site, "ann@example.org")
    assert refused.status_code == 429 and "Too many attempts" in refused.text


async def test_a_successful_log_in_clears_earlier_failures(site):
    await join(site, "ann@example.org")
    await log_out(site)
    for _ in range(4):
        await log_in(site, "ann@example.org", "guess guess guess")
    assert (await log_in(site, "ann@example.org")).status_code == 303
    await log_out(site)
    for _ in range(4):
        assert (await log_in(site, "ann@example.org", "guess guess guess")).status_code == 401


async def test_a_form_without_the_csrf_token_is_refused(site):
    page = await site.get("/login")
    fields = form(page.text, "/login") | {"email": "ann@example.org", "password": PASSWORD}
    del fields["_csrf_token"]
    response = await site.post("/login", data=fields)
    assert response.status_code == 403
    assert "form has expired" in response.text and "Traceback" not in response.text


async def test_a_csrf_token_pair_from_another_visitor_is_refused_in_a_members_session(site, web_services, mongo_url):
    # given a member, and a token pair (cookie + field) taken from another visitor's page
    await join(site, "ann@example.org")
    async with web_client(web_services.settings, mongo_url) as stranger:
        page = await stranger.get("/login")
        foreign_cookie, foreign_field = stranger.cookies.get("mbm_csrf"), csrf_token(page.text)
    site.cookies.delete("mbm_csrf")
    site.cookies.set("mbm_csrf", foreign_cookie, domain=site.base_url.host)
    # when the member's log-out form is sent with that pair
    response = await site.post("/logout", data={"_csrf_token": foreign_field})
    # then it is refused, and she is still logged in
    assert response.status_code == 403
    assert (await site.get("/me")).status_code == 200


async def test_the_csrf_token_is_renewed_at_log_in_and_log_out(site):
    before = csrf_token((await site.get("/login")).text)
    await join(site, "ann@example.org")
    member_token = csrf_token((await site.get("/")).text)
    assert member_token != before
    stale = await site.post("/logout", data={"_csrf_token": before})
    assert stale.status_code == 403
    await log_out(site)
    assert csrf_token((await site.get("/")).text) not in (before, member_token)


async def test_with_htmx_log_in_and_out_load_the_next_page_whole(site):
    # A boosted log-in swaps only the body's content and would keep the old page's CSRF token
    # (<body hx-headers>), which the new session refuses: htmx is told to navigate instead.
    await join(site, "ann@example.org")
    await log_out(site)
    page = await site.get("/login")
    fields = form(page.text, "/login") | {"email": "ann@example.org", "password": PASSWORD}
    response = await site.post("/login", data=fields, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/" and session_id(site)
    home = await site.get("/")
    out = await site.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": csrf_token(home.text)})
    assert out.status_code == 200 and out.headers["HX-Redirect"] == "/"


async def test_an_htmx_request_without_the_csrf_header_is_refused(site):
    await join(site, "ann@example.org")
    token = csrf_token((await site.get("/")).text)
    refused = await site.post("/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    accepted = await site.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200 and session_id(site) is None


async def test_logging_out_ends_the_session(site):
    await join(site, "ann@example.org")
    before = session_id(site)
    response = await site.post("/logout", data={"_csrf_token": csrf_token((await site.get("/")).text)})
    assert response.status_code == 303 and session_id(site) is None
    use_session(site, before)
    me = await site.get("/me")
    assert me.status_code == 303 and me.headers["location"] == "/login?next=/me"


async def test_a_session_ends_after_its_absolute_lifetime_however_busy(site, monkeypatch):
    await join(site, "ann@example.org")
    assert (await site.get("/me")).status_code == 200
    monkeypatch.setattr("web.security.ABSOLUTE_SECONDS", -1)
    assert (await site.get("/me")).status_code == 303


async def test_member_pages_are_never_cached_and_cookies_are_http_only(site):
    response = await join(site, "ann@example.org")
    cookies = response.headers.get_list("set-cookie")
    assert all("HttpOnly" in c and "SameSite=lax" in c and "Secure" not in c for c in cookies)  # http in tests
    for path in ("/", "/me", "/me/account", "/movies"):
        assert (await site.get(path)).headers["cache-control"] == "no-store"


async def test_visitors_get_no_session_at_all(site):
    response = await site.get("/")
    assert not any(v.startswith("mbm_session=") for v in response.headers.get_list("set-cookie"))


async def test_behind_https_the_cookies_are_host_only_and_secure(web_services, mongo_url, smtp_inbox):
    settings = dataclasses.replace(web_services.settings, site_url="https://movies.example.org")
    async with web_client(settings, mongo_url, base_url="https://127.0.0.1", inbox=smtp_inbox) as client:
        first = await client.get("/signup")
        response = await join(client, "ann@example.org")
        cookies = first.headers.get_list("set-cookie") + response.headers.get_list("set-cookie")
        assert {c.split("=")[0] for c in cookies} == {"__Host-mbm_csrf", "__Host-mbm_session"}
        assert all("Secure" in c and "HttpOnly" in c and "Path=/" in c and "Domain" not in c for c in cookies)
        assert "max-age=" in response.headers["strict-transport-security"]


# --- recovery and control -------------------------------------------------------------------------

async def test_a_password_reset_works_once_and_ends_every_session(site, web_services, mongo_url):
    # given a member logged in on two devices
    await join(site, "ann@example.org")
    async with web_client(web_services.settings, mongo_url, inbox=site.inbox, another_process_of=site) as other_device:
        await log_in(other_device, "ann@example.org")
        assert (await other_device.get("/me")).status_code == 200
        await log_out(site)
        # when she asks for a reset (the answer is the same as for an unknown address) and follows the link
        page = await site.get("/password/forgot")
        asked = await site.post("/password/forgot", data=form(page.text, "/password/forgot") | {"email": "ann@example.org"})
        nobody = await site.post("/password/forgot", data=form(page.text, "/password/forgot") | {"email": "x@example.org"})
        assert asked.text.replace("ann@example.org", "X") == nobody.text.replace("x@example.org", "X")
        [message] = await site.inbox.wait_for("ann@example.org", "Reset")
        link = link_in(message, "/password/reset")
        done = await follow_link(site, link, {"password": "a brand new password"})
        # then the new password works, the old does not, the other device is logged out, and the link is spent
        assert done.status_code == 303 and done.headers["location"] == "/login?notice=reset"
        assert (await other_device.get("/me")).status_code == 303
        assert (await log_in(site, "ann@example.org", PASSWORD)).status_code == 401
        assert (await log_in(site, "ann@example.org", "a brand new password")).status_code == 303
        again = await site.get(link)
        assert again.status_code == 200  # the token is still signed and fresh…
        spent = await site.post("/password/reset", data=form(again.text, "/password/reset") | {"password": "third password!"})
        assert spent.status_code == 400 and "used already" in spent.text  # …but it was for the old password
        await site.inbox.wait_for("ann@example.org", "password was changed")


async def test_changing_the_password_asks_for_the_current_one_and_ends_other_sessions(site, web_services, mongo_url):
    await join(site, "ann@example.org")
    async with web_client(web_services.settings, mongo_url, another_process_of=site) as other_device:
        await log_in(other_device, "ann@example.org")
        assert (await other_device.get("/me")).status_code == 200
        wrong = await account_form(site, "/me/password", current_password="not it at all", password="new password 1")
        assert wrong.status_code == 422 and "not your current password" in wrong.text
        changed = await account_form(site, "/me/password", current_password=PASSWORD, password="new password 1")
        assert changed.status_code == 303
        assert (await site.get("/me")).status_code == 200  # this session goes on
        assert (await other_device.get("/me")).status_code == 303  # the other one ended
    await log_out(site)
    assert (await log_in(site, "ann@example.org", "new password 1")).status_code == 303


async def test_log_out_everywhere_ends_every_session(site, web_services, mongo_url):
    await join(site, "ann@example.org")
    async with web_client(web_services.settings, mongo_url, another_process_of=site) as other_device:
        await log_in(other_device, "ann@example.org")
        assert (await other_device.get("/me")).status_code == 200  # that process now keeps Ann in memory
        response = await account_form(site, "/me/sessions/end")
        assert response.status_code == 303 and session_id(site) is None
        assert (await other_device.get("/me")).status_code == 303


async def test_a_new_address_counts_once_confirmed_and_the_old_one_is_told(site, web_services):
    await join(site, "ann@example.org")
    asked = await account_form(site, "/me/email", email="ann@new.example.org", current_password=PASSWORD)
    assert asked.status_code == 200 and "ann@new.example.org" in asked.text
    assert await web_services.keyring.owner("ann@new.example.org") is None  # nothing changes before the link
    [message] = await site.inbox.wait_for("ann@new.example.org", "Confirm your new")
    done = await follow_link(site, link_in(message, "/account/email/confirm"))
    assert done.status_code == 303
    assert "ann@new.example.org" in (await site.get("/me")).text
    [told] = await site.inbox.wait_for("ann@example.org", "address was changed")
    assert "a•••@new.example.org" in told.get_content()
    await log_out(site)
    assert (await log_in(site, "ann@example.org")).status_code == 401
    assert (await log_in(site, "ann@new.example.org")).status_code == 303


async def test_deleting_the_account_makes_its_personal_data_unreadable(site, web_services, movie_site=None):
    # given a member
    await join(site, "ann@example.org", name="Ann Example")
    user_id = await web_services.keyring.owner("ann@example.org")
    # when she deletes her account, keeping her ratings as anonymous signal
    response = await account_form(site, "/me/delete", current_password=PASSWORD, ratings="keep", confirm="true")
    # then she is logged out and told, and can no longer log in
    assert response.status_code == 303 and session_id(site) is None
    await site.inbox.wait_for("ann@example.org", "deleted")
    assert (await log_in(site, "ann@example.org")).status_code == 401
    # and the log still holds her events, but nothing in them can be read
    history = [r.event for r in await web_services.store.read_stream(f"user-{user_id}")]
    assert isinstance(history[-1], AccountDeleted) and history[-1].ratings_kept
    signup = next(event for event in history if isinstance(event, UserSignedUp))
    assert await web_services.keyring.open(user_id, signup.personal) is None
    raw = await web_services.database["events"].find({"stream": f"user-{user_id}"}).to_list()
    assert b"ann@example.org" not in repr(raw).encode() and b"Ann Example" not in repr(raw).encode()
    # and the address is free again
    assert await web_services.keyring.owner("ann@example.org") is None


async def test_deleting_needs_the_password_and_the_tick(site, web_services):
    await join(site, "ann@example.org")
    no_tick = await account_form(site, "/me/delete", current_password=PASSWORD, ratings="remove")
    wrong = await account_form(site, "/me/delete", current_password="wrong password", ratings="remove", confirm="true")
    assert no_tick.status_code == wrong.status_code == 422
    assert (await site.get("/me")).status_code == 200
    assert await web_services.keyring.owner("ann@example.org") is not None
