"""Attack: the picks e-mail's links, which act without a log-in (unsubscribe, "not interested").

* A forged, altered, over-long or expired token, and a token of another purpose (the other links',
  the account e-mails'), on every link route: a clear page (400, or 404 for a path no token fits),
  never a traceback, nothing recorded.
* Another member's link used from the attacker's own session, and the attacker's own link with the
  victim's id added to the form: each link acts for the member it was made for, and only as it says.
* A mail scanner opening every link (GET): nothing changes. A replayed POST: recorded once.
* The one-click unsubscribe, the one route without a CSRF token: it needs its exact body and a valid
  link, works without a session, and with a session changes nothing of it; "not interested", which
  has a page to carry one, still needs its CSRF token.
"""
from __future__ import annotations

import re
import time
from urllib.parse import quote, unquote, urlsplit

import msgspec

from domain import events as e
from mybigmovie.mail_links import NOT_INTERESTED, SEEN, UNSUBSCRIBE
from mybigmovie.tokens import LIFETIMES, LinkTokens
from tests.integration.web_harness import form, log_in
from tests.security.conftest import CSRF, MEMBER, SESSION, VICTIM, cookie_header, cookies_of, forged_token
from workers import mail

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


async def history(services, email: str) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{await services.keyring.owner(email)}")]


async def welcome_links(services, email: str) -> dict[str, list[str]]:
    """The links of the member's welcome e-mail, as composed for her: path and query."""
    composed = await mail.picks_email(services, await services.keyring.owner(email), "welcome", "<w@test>")
    text = composed.message.get_body(("plain",)).get_content()
    found = {kind: re.findall(rf"https?://[^/\s]+({path}\?token=[^\s]+)", text)
             for kind, path in (("not_interested", "/picks/not-interested"), ("seen", "/picks/seen"))}
    found["unsubscribe"] = [urlsplit(str(composed.message["List-Unsubscribe"])[1:-1]).path]
    return found


def token_of(link: str) -> str:
    return unquote(link.split("token=")[-1] if "token=" in link else link.rsplit("/", 1)[1])


def flipped(token: str) -> str:
    at = len(token) // 2
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]


async def attempts_with(client, token: str) -> list:
    """The token on every link route, as a browser and a mail client would send it."""
    await client.get("/login")
    csrf = cookies_of(client)[CSRF]
    return [await client.get(f"/unsubscribe/{quote(token, safe='')}"),
            await client.post(f"/unsubscribe/{quote(token, safe='')}", data=ONE_CLICK),
            await client.get("/picks/not-interested", params={"token": token}),
            await client.post("/picks/not-interested", data={"token": token, "_csrf_token": csrf}),
            await client.get("/picks/seen", params={"token": token})]


async def test_a_forged_altered_or_foreign_token_gets_a_clear_page_and_changes_nothing(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    site_tokens = LinkTokens(web_services.settings.secret_key)
    victim_id = await web_services.keyring.owner(VICTIM)
    before = await history(web_services, VICTIM)
    hostile = {
        "never signed": forged_token(),
        "a real one, altered": flipped(token_of(links["unsubscribe"][0])),
        "a real pick link, altered": flipped(token_of(links["not_interested"][0])),
        "the account e-mails' (a password reset, signed by this site)": site_tokens.make("reset", {"u": victim_id,
                                                                                                  "v": 1}),
        "another site's": LinkTokens("another site's key").make(UNSUBSCRIBE, {"u": victim_id}),
        "markup": '<script>alert(1)</script>',
        "over-long": "g" * 2000,
    }
    wrong = []
    for name, token in hostile.items():
        for response in await attempts_with(target, token):
            clear = response.status_code == 400 and "This link does not work" in response.text
            if not (clear or response.status_code == 404) or "Traceback" in response.text or "<script>alert" in response.text:
                wrong.append(f"{name}: {response.request.method} {response.request.url.path} {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert await history(web_services, VICTIM) == before


async def test_each_link_works_for_its_own_purpose_only(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    before = await history(web_services, VICTIM)
    unsubscribe, not_interested = token_of(links["unsubscribe"][0]), token_of(links["not_interested"][0])
    seen = token_of(links["seen"][0])
    await target.get("/login")
    csrf = cookies_of(target)[CSRF]
    refused = [await target.post(f"/unsubscribe/{quote(not_interested, safe='')}", data=ONE_CLICK),
               await target.post(f"/unsubscribe/{quote(seen, safe='')}", data=ONE_CLICK),
               await target.post("/picks/not-interested", data={"token": unsubscribe, "_csrf_token": csrf}),
               await target.post("/picks/not-interested", data={"token": seen, "_csrf_token": csrf}),
               await target.get("/picks/seen", params={"token": not_interested})]
    assert [r.status_code for r in refused] == [400] * 5
    assert await history(web_services, VICTIM) == before


async def test_an_expired_link_does_not_work(target, web_services):
    victim_id = await web_services.keyring.owner(VICTIM)
    tokens = LinkTokens(web_services.settings.secret_key)

    def made_long_ago(purpose: str, payload: dict) -> str:
        then = int(time.time()) - LIFETIMES[purpose] - 60
        return tokens._fernets[purpose].encrypt_at_time(msgspec.json.encode(payload), then).decode()
    old_unsubscribe = made_long_ago(UNSUBSCRIBE, {"u": victim_id})
    old_pick = made_long_ago(NOT_INTERESTED, {"u": victim_id, "k": "movie", "i": 1, "n": "x"})
    await target.get("/login")
    answers = [await target.post(f"/unsubscribe/{quote(old_unsubscribe, safe='')}", data=ONE_CLICK),
               await target.post("/picks/not-interested", data={"token": old_pick,
                                                                 "_csrf_token": cookies_of(target)[CSRF]})]
    assert [r.status_code for r in answers] == [400, 400] and all("expired" in r.text for r in answers)
    assert not [ev for ev in await history(web_services, VICTIM)
                if isinstance(ev, (e.EmailPreferencesChanged, e.MarkedNotInterested))]


async def test_a_link_acts_for_the_member_it_was_made_for_whoever_uses_it_and_for_nobody_else(target, web_services):
    # Given the attacker logged in as herself, holding her own links and the victim's
    own, victims = await welcome_links(web_services, MEMBER), await welcome_links(web_services, VICTIM)
    victim_id = await web_services.keyring.owner(VICTIM)
    assert (await log_in(target, MEMBER)).status_code == 303
    # when she posts her own links with the victim's id added everywhere a form could carry it
    extra = {"user_id": victim_id, "u": victim_id, "user": victim_id, "stream": f"user-{victim_id}"}
    assert (await target.post(own["unsubscribe"][0], data=ONE_CLICK | extra)).status_code == 200
    page = await target.get(own["not_interested"][0])
    assert (await target.post("/picks/not-interested", data=form(page.text, "/picks/not-interested") | extra)
            ).status_code == 200
    # then only her own account changed
    assert not [ev for ev in await history(web_services, VICTIM)
                if isinstance(ev, (e.EmailPreferencesChanged, e.MarkedNotInterested))]
    mine = [type(ev) for ev in await history(web_services, MEMBER)]
    assert e.EmailPreferencesChanged in mine and e.MarkedNotInterested in mine
    # and the victim's link, used from her session, does the one thing it says for the victim, not for her
    before = await history(web_services, MEMBER)
    assert (await target.post(victims["unsubscribe"][0], data=ONE_CLICK)).status_code == 200
    assert await history(web_services, MEMBER) == before
    [change] = [ev for ev in await history(web_services, VICTIM) if isinstance(ev, e.EmailPreferencesChanged)]
    assert change.weekly is False and change.shows is True  # turned off the weekly e-mail: nothing more
    me = await target.get("/me")  # and she is still herself
    assert me.status_code == 200 and MEMBER in me.text and VICTIM not in me.text


async def test_a_mail_scanner_opening_every_link_changes_nothing(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    before = await history(web_services, VICTIM)
    for link in [*links["unsubscribe"], *links["not_interested"], *links["seen"]]:
        assert (await target.get(link)).status_code == 200
        assert (await target.head(link)).status_code in (200, 405)
    assert await history(web_services, VICTIM) == before


async def test_a_replayed_post_records_once(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    page = await target.get(links["not_interested"][0])
    fields = form(page.text, "/picks/not-interested")
    for _ in range(3):
        assert (await target.post("/picks/not-interested", data=fields)).status_code == 200
    again = await target.get(links["not_interested"][0])  # the same link opened again: a new page, a new CSRF token
    assert (await target.post("/picks/not-interested", data=form(again.text, "/picks/not-interested"))
            ).status_code == 200
    for _ in range(3):
        assert (await target.post(links["unsubscribe"][0], data=ONE_CLICK)).status_code == 200
    kinds = [type(ev) for ev in await history(web_services, VICTIM)]
    assert kinds.count(e.MarkedNotInterested) == 1 and kinds.count(e.EmailPreferencesChanged) == 1


async def test_the_one_click_post_needs_its_body_and_no_session_and_leaves_a_session_as_it_was(target, web_services):
    links = await welcome_links(web_services, MEMBER)
    path = links["unsubscribe"][0]
    # without its body (an empty POST, another value, JSON): refused, nothing recorded
    for body in ({}, {"List-Unsubscribe": "Yes"}):
        assert (await target.post(path, data=body, headers=cookie_header({}))).status_code == 400
    assert (await target.post(path, content=b'{"List-Unsubscribe": "One-Click"}', headers=cookie_header({}) | {
        "Content-Type": "application/json"})).status_code == 400
    assert not [ev for ev in await history(web_services, MEMBER) if isinstance(ev, e.EmailPreferencesChanged)]
    # as a mail client sends it, multipart included: no cookie, no CSRF token, no session made
    response = await target.post(path, files={"List-Unsubscribe": (None, "One-Click")}, headers=cookie_header({}))
    assert response.status_code == 200 and SESSION not in response.cookies
    # from a logged-in browser without a CSRF token: done, and the session is not touched
    assert (await log_in(target, MEMBER)).status_code == 303
    session = cookies_of(target)[SESSION]
    response = await target.post(path, data=ONE_CLICK, headers=cookie_header({SESSION: session}))
    assert response.status_code == 200 and response.cookies.get(SESSION) in (None, session)  # same id, renewed
    assert (await target.get("/me")).status_code == 200
    assert len([ev for ev in await history(web_services, MEMBER) if isinstance(ev, e.EmailPreferencesChanged)]) == 1


async def test_not_interested_still_needs_the_pages_csrf_token(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    page = await target.get(links["not_interested"][0])
    fields = form(page.text, "/picks/not-interested")
    without = {k: v for k, v in fields.items() if k != "_csrf_token"}
    assert (await target.post("/picks/not-interested", data=without)).status_code == 403
    assert (await target.post("/picks/not-interested", data=fields | {"_csrf_token": forged_token()})
            ).status_code == 403
    assert not [ev for ev in await history(web_services, VICTIM) if isinstance(ev, e.MarkedNotInterested)]


async def test_a_seen_it_link_is_a_page_only(target, web_services):
    links = await welcome_links(web_services, VICTIM)
    page = await target.get(links["seen"][0])
    assert page.status_code == 200 and "<form method=\"post\" action=\"/picks" not in page.text
    assert (await target.post("/picks/seen", data={"token": token_of(links["seen"][0])})).status_code in (403, 405)
    assert SEEN in LIFETIMES
