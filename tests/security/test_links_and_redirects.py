"""Attack: abusing where the site sends people and the links it e-mails.

* Open redirect: ``next`` after log-in and after a member's form pointed at another site
  (``//evil``, ``https://evil``, ``/\\evil``, a tab or a newline inside) stays on this site.
* Link poisoning: a request with a forged ``Host`` / ``X-Forwarded-Host`` header gets e-mailed links
  to the configured site, never to the host it claimed.
* A link opened by a mail scanner (a GET) changes nothing; a link for one purpose does not work for
  another, and a link whose token was altered does not work.
"""
from __future__ import annotations

import pytest

from tests.conftest import link_in
from tests.integration.web_harness import form, log_in
from tests.security.conftest import MEMBER, SESSION, cookies_of
from tests.security.shared_site import smtp_inbox, target, web_services  # noqa: F401  (one site per module)

HOSTILE_NEXT = ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
                "/\n/evil.example", "javascript:alert(1)", "http:evil.example", "evil.example"]



@pytest.mark.parametrize("target_next", HOSTILE_NEXT)
async def test_log_in_never_sends_a_member_to_another_site(fresh, target_next):
    client, _ = fresh
    page = await client.get("/login", params={"next": target_next})
    assert "evil.example" not in form(page.text, "/login")["next"]
    response = await client.post("/login", data=form(page.text, "/login") | {
        "email": MEMBER, "password": "correct horse battery", "next": target_next})
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_a_members_form_never_sends_her_to_another_site(fresh):
    client, _ = fresh
    assert (await log_in(client, MEMBER)).status_code == 303
    for target_next in HOSTILE_NEXT:
        page = await client.get("/movies/1")
        response = await client.post("/movies/1/not-seen", data=form(page.text, "/movies/1/not-seen") | {
            "next": target_next})
        assert response.status_code == 303 and response.headers["location"] == "/movies/1", target_next


async def test_e_mailed_links_go_to_the_configured_site_whatever_host_the_request_claims(target, smtp_inbox):
    page = await target.get("/password/forgot")
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"}
    response = await target.post("/password/forgot", data=form(page.text, "/password/forgot") | {"email": MEMBER},
                                 headers=forged)
    assert response.status_code == 200
    [message] = await smtp_inbox.wait_for(MEMBER, "Reset")
    assert "evil.example" not in message.get_content()
    assert "http://127.0.0.1:0/password/reset?token=" in message.get_content()  # web_settings' site_url


async def test_opening_a_link_changes_nothing_until_the_button_is_pressed(target, smtp_inbox):
    # A mail scanner that fetches every link must not confirm an address somebody else typed in.
    page = await target.get("/signup")
    await target.post("/signup", data=form(page.text, "/signup") | {
        "email": "someone@example.org", "display_name": "S", "password": "mallory's password"})
    [message] = await smtp_inbox.wait_for("someone@example.org", "Confirm")
    link = link_in(message, "/account/verify")
    for _ in range(3):
        assert (await target.get(link)).status_code == 200
    assert (await log_in(target, "someone@example.org", "mallory's password")).status_code == 403
    # a confirmation link is no reset link, and an altered one is nothing
    assert (await target.get(link.replace("/account/verify", "/password/reset"))).status_code == 400
    assert (await target.get(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))).status_code == 400
    assert SESSION not in cookies_of(target)
