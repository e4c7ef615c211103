"""Attack: guessing passwords and sending mail faster than the limits, in concurrent bursts, spread
over two app instances (two web processes of one deployment share the limit through Redis).

What is counted is real behaviour: how many requests got an answer other than 429 (each of those
checked a password or sent a mail), and how many e-mails arrived. Limits (web/throttle.py): log-in 5
per (account, network) per 15 min, 20 per account, 50 per network; sign-up, reset and confirmation
mails 3 per address and 20 per network per hour; the current-password check on account changes
counts as a log-in. A client cannot buy a fresh budget by claiming another address in
``X-Forwarded-For`` and the like: the server as ``mybigmovie serve`` configures it trusts no such header.
"""
from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter

import uvicorn

from mybigmovie import bootstrap
from mybigmovie.cli_web import serve_web
from tests.integration.web_harness import PASSWORD, form, log_in
from tests.members import new_member
from tests.security.conftest import (CSRF, MEMBER, SESSION, app_client, browser, cookies_of, drop_namespace,
                                     serving)
from web.app import create_app


async def filled(client, action: str, page: str | None = None, **fields) -> dict:
    return form((await client.get(page or action)).text, action) | fields


async def burst(requests) -> Counter:
    return Counter(response.status_code for response in await asyncio.gather(*requests))


async def test_thirty_simultaneous_guesses_on_two_instances_check_at_most_five(web_services, mongo_url, smtp_inbox,
                                                                               shared_namespace):
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await web_services.projector.run_once()
    try:
        async with app_client(web_services.settings, mongo_url, shared_namespace, smtp_inbox) as one, \
                app_client(web_services.settings, mongo_url, shared_namespace, smtp_inbox) as two:
            # Given 15 wrong passwords prepared on each instance
            guesses = [(client, await filled(client, "/login", email=MEMBER, password=f"guess number {i}"))
                       for i, client in enumerate([one, two] * 15)]
            # when all 30 arrive at once
            statuses = await burst(client.post("/login", data=fields) for client, fields in guesses)
            # then only 5 passwords were checked, all wrong; the other 25 were refused unread
            assert statuses == Counter({401: 5, 429: 25}), statuses
            # and now the right password is refused on both instances too, and nobody is logged in
            for client in (one, two):
                assert (await log_in(client, MEMBER)).status_code == 429
                assert SESSION not in cookies_of(client)
    finally:
        await drop_namespace(shared_namespace)


async def test_a_burst_of_sign_ups_from_one_network_is_limited(web_services, mongo_url, smtp_inbox, shared_namespace):
    # The limit counts sign-up attempts before anything else about them is checked, so these carry a
    # password that is too short: each one let through answers 422 at once (no hash is spent on it).
    try:
        async with app_client(web_services.settings, mongo_url, shared_namespace, smtp_inbox) as one, \
                app_client(web_services.settings, mongo_url, shared_namespace, smtp_inbox) as two:
            # Given 30 sign-ups of 30 different addresses, half on each instance
            forms = [(client, await filled(client, "/signup", email=f"new{i}@example.org", display_name="M",
                                           password="short"))
                     for i, client in enumerate([one, two] * 15)]
            # when they all arrive at once
            statuses = await burst(client.post("/signup", data=fields) for client, fields in forms)
            # then 20 were let through (20 per network an hour, shared by both instances), 10 refused
            assert statuses == Counter({422: 20, 429: 10}), statuses
            # and from then on a proper sign-up from this network is refused too, on either instance
            for client in (one, two):
                fields = await filled(client, "/signup", email="late@example.org", display_name="L",
                                      password="a long enough password")
                assert (await client.post("/signup", data=fields)).status_code == 429
            assert await web_services.keyring.owner("late@example.org") is None
    finally:
        await drop_namespace(shared_namespace)


async def test_nobody_can_flood_one_inbox(target, smtp_inbox):
    # Given a member's address, when ten sign-ups, ten "forgot my password" and ten "send the link
    # again" for it arrive at once
    requests = []
    for action in ("/signup", "/password/forgot", "/account/verify/resend"):
        for _ in range(10):
            fields = await filled(target, action, email=MEMBER, display_name="M", password="mallory's password")
            requests.append(target.post(action, data=fields))
    statuses = await burst(requests)
    # then every answer is the ordinary page or 429 (sign-up says so; the others never tell)
    assert set(statuses) <= {200, 429}, statuses
    # and she got three mails of each kind that says something (3 per address an hour), no more
    await smtp_inbox.wait_for(MEMBER, "already have", count=3)
    await smtp_inbox.wait_for(MEMBER, "Reset your", count=3)
    await asyncio.sleep(0.3)  # anything beyond the limit would have arrived by now
    subjects = Counter(message["Subject"] for message in smtp_inbox.to(MEMBER))
    assert subjects == {"You already have a MyBigMovie account": 3, "Reset your MyBigMovie password": 3}, subjects


async def test_a_stolen_session_cannot_guess_the_current_password(target):
    # Given a member's session (say, left open on a shared computer)
    assert (await log_in(target, MEMBER)).status_code == 303
    page = await target.get("/me/account")
    # when 12 guesses at her current password arrive at once on the delete form
    guesses = [form(page.text, "/me/delete") | {"current_password": f"guess {i}", "ratings": "keep",
                                                "confirm": "true"} for i in range(12)]
    answers = await asyncio.gather(*(target.post("/me/delete", data=fields) for fields in guesses))
    # then at most 5 were checked (the log-in limit); the rest were refused unread
    checked = sum("not your current password" in answer.text for answer in answers)
    refused = sum("Too many attempts" in answer.text for answer in answers)
    assert checked == 5 and refused == 7, (checked, refused)
    assert all(answer.status_code == 422 for answer in answers)
    # and even the right password is now refused: the account is still there
    right = form(page.text, "/me/delete") | {"current_password": PASSWORD, "ratings": "keep", "confirm": "true"}
    assert "Too many attempts" in (await target.post("/me/delete", data=right)).text
    assert (await target.get("/me")).status_code == 200


async def production_config(services, monkeypatch, settings=None):
    """The uvicorn config ``mybigmovie serve`` runs the site with (read, not guessed)."""
    built = []

    class Capture:  # stands in for uvicorn.Server: keeps the config, serves nothing
        def __init__(self, config) -> None:
            built.append(config)

        async def serve(self, *args, **kwargs) -> None:
            return None

    with monkeypatch.context() as patch:
        patch.setattr(uvicorn, "Server", Capture)
        await serve_web(services, settings or services.settings)
    return built[0]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(web_services, mongo_url, monkeypatch):
    # Given the site behind a reverse proxy on 127.0.0.1, named in the settings
    settings = dataclasses.replace(web_services.settings, trusted_proxies=("127.0.0.1",))
    production = await production_config(web_services, monkeypatch, settings)
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await web_services.projector.run_once()
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(settings, mongo_url), settings, redis_namespace=namespace)
    try:
        async with serving(app, proxy_headers=production.proxy_headers,
                           forwarded_allow_ips=production.forwarded_allow_ips) as url, browser(url) as client:
            await client.get("/login")

            async def guesses(network: str, count: int) -> list[int]:
                statuses = []
                for i in range(count):
                    response = await client.post("/login", headers={"X-Forwarded-For": network}, data={
                        "_csrf_token": client.cookies[CSRF], "email": MEMBER, "password": f"guess {i}"})
                    statuses.append(response.status_code)
                return statuses
            # when one client behind the proxy spends its five guesses, another still has its own
            assert await guesses("198.51.100.7", 6) == [401] * 5 + [429]
            assert await guesses("203.0.113.9", 2) == [401, 401]
    finally:
        await drop_namespace(namespace)


async def test_a_forged_forwarded_header_buys_no_more_guesses(web_services, mongo_url, monkeypatch):
    # Given the uvicorn settings ``mybigmovie serve`` runs the site with (read, not guessed)
    production = await production_config(web_services, monkeypatch)
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await web_services.projector.run_once()
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: bootstrap.services(web_services.settings, mongo_url), web_services.settings,
                     redis_namespace=namespace)
    try:
        async with serving(app, proxy_headers=production.proxy_headers,
                           forwarded_allow_ips=production.forwarded_allow_ips) as url, browser(url) as client:
            await client.get("/login")
            statuses = []
            # when each wrong guess claims to come from another client
            for i in range(7):
                spoofed = {"X-Forwarded-For": f"198.51.100.{i}", "X-Real-IP": f"198.51.100.{i}",
                           "Forwarded": f"for=198.51.100.{i}"}
                response = await client.post("/login", headers=spoofed, data={
                    "_csrf_token": client.cookies[CSRF], "email": MEMBER, "password": f"guess number {i}"})
                statuses.append(response.status_code)
            # then they all count against the one real client: five checked, then refused
            assert statuses == [401] * 5 + [429] * 2
    finally:
        await drop_namespace(namespace)
