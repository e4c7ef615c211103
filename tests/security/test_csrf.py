"""Attack: cross-site request forgery on every state-changing route.

Every route that accepts POST (or any unsafe method), enumerated from the app itself, is sent a
request carrying no CSRF token, another visitor's token, a token pair (cookie and field) taken from
another visitor, a token from before log-in or from before log-out (tokens rotate at both), and a
token the server never signed; in the form field and in the header htmx sends. As an anonymous
visitor and as a logged-in member, each must be refused with 403 and change nothing.

One route is exempt, by design: the one-click unsubscribe a mail client posts (RFC 8058), which no
page of ours precedes; its signed link is its authority (attacked in test_mail_links.py). So are the
API's writes, which never read a cookie (a personal token is their authority). The test below pins
the exempt list, so no other route can drop the check unnoticed.

Not claimed: for an anonymous visitor there is no session to bind a token to, so a *complete* pair
from elsewhere is a valid double-submit. What makes that safe is that a cross-site page cannot put a
pair in a visitor's browser: it cannot read her cookie (HttpOnly), a sibling subdomain cannot set it
(``__Host-`` over https), and SameSite=Lax keeps the browser from sending it on a cross-site POST.
"""
from __future__ import annotations

import uuid

import pytest

from tests.integration.web_harness import log_in
from tests.security.conftest import (CSRF, CSRF_EXEMPT_ROUTES, MEMBER, SESSION, UNSAFE_ROUTES, cookie_header,
                                     cookies_of, fill, forged_token, fresh_pair)

REFUSED = "form has expired or did not come from this site"


def test_the_routes_are_read_from_the_app():
    # Guards the enumeration itself: if it silently found nothing, every parametrized test would vanish.
    paths = {path for _, path in UNSAFE_ROUTES}
    assert {"/signup", "/login", "/logout", "/me/delete", "/movies/{movie_id:int}/rating"} <= paths
    assert len(UNSAFE_ROUTES) >= 18


def test_only_the_one_click_unsubscribe_and_the_api_go_without_a_csrf_token():
    # The API's routes take no cookie at all: they answer a personal token only, and a request with
    # nothing but the session cookie is a 401 (tests/integration/test_api.py), so a forged request
    # has nothing to ride on.
    api = [route for route in CSRF_EXEMPT_ROUTES if route[1].startswith("/api/v1/me/")]
    assert [route for route in CSRF_EXEMPT_ROUTES if route not in api] == [("POST", "/unsubscribe/{token:str}")]
    assert sorted(api) == [(method, f"/api/v1/me/ratings/{kind}s/{{{kind}_id:int}}") for method in ("DELETE", "PUT")
                           for kind in ("movie", "show")]


CHECKED_ROUTES = [route for route in UNSAFE_ROUTES if route not in CSRF_EXEMPT_ROUTES]


async def attempt(client, method: str, url: str, cookies: dict, field: str | None = None, header: str | None = None,
                  htmx: bool = False):
    data = {"command_id": str(uuid.uuid4()), "rating": "4"} | ({"_csrf_token": field} if field is not None else {})
    headers = cookie_header(cookies) | ({"X-CSRFToken": header} if header is not None else {})
    if htmx:
        headers["HX-Request"] = "true"
    return await client.request(method, url, data=data, headers=headers)


async def refused_all(client, method: str, url: str, attacks: dict[str, dict]) -> list[str]:
    """Send each attack; the names of those not answered with the 403 page."""
    wrong = []
    for name, attack in attacks.items():
        response = await attempt(client, method, url, **attack)
        if response.status_code != 403 or (not attack.get("htmx") and REFUSED not in response.text):
            wrong.append(f"{name}: {response.status_code} {response.headers.get('location', '')}")
    return wrong


async def stream_length(services, email: str) -> int:
    return len(await services.store.read_stream(f"user-{await services.keyring.owner(email)}"))


@pytest.mark.parametrize(("method", "path"), CHECKED_ROUTES, ids=[f"{m} {p}" for m, p in CHECKED_ROUTES])
async def test_a_forged_request_is_refused_on_every_route(fresh, method, path):
    target, web_services = fresh
    url = fill(path)
    await target.get("/login")
    before_log_in = cookies_of(target)[CSRF]  # the page's token is the cookie's value
    stranger_cookie, stranger_field = await fresh_pair(target)
    own = before_log_in

    # As an anonymous visitor (no session).
    wrong = await refused_all(target, method, url, {
        "no token": {"cookies": {CSRF: own}},
        "no cookie": {"cookies": {}, "field": own},
        "another visitor's token in the field": {"cookies": {CSRF: own}, "field": stranger_field},
        "another visitor's token in the htmx header": {"cookies": {CSRF: own}, "header": stranger_field, "htmx": True},
        "a token never signed by the server": {"cookies": {CSRF: forged_token()}, "field": forged_token()},
        "an unsigned pair that matches itself": {"cookies": {CSRF: (same := forged_token())}, "field": same},
        "an empty token": {"cookies": {CSRF: own}, "field": ""},
    })

    # As a member (the token rotated at log-in).
    assert (await log_in(target, MEMBER)).status_code == 303
    session, member = cookies_of(target)[SESSION], cookies_of(target)[CSRF]
    assert member != before_log_in
    events = await stream_length(web_services, MEMBER)
    wrong += await refused_all(target, method, url, {
        "member, no token": {"cookies": {SESSION: session, CSRF: member}},
        "member, no token in the htmx header": {"cookies": {SESSION: session, CSRF: member}, "htmx": True},
        "member, another visitor's pair": {"cookies": {SESSION: session, CSRF: stranger_cookie},
                                           "field": stranger_field},
        "member, another visitor's pair in the htmx header": {"cookies": {SESSION: session, CSRF: stranger_cookie},
                                                              "header": stranger_field, "htmx": True},
        "member, another visitor's token with her cookie": {"cookies": {SESSION: session, CSRF: member},
                                                            "field": stranger_field},
        "member, her pair from before log-in (stale)": {"cookies": {SESSION: session, CSRF: before_log_in},
                                                        "field": before_log_in},
        "member, her token from before log-in with her cookie": {"cookies": {SESSION: session, CSRF: member},
                                                                 "field": before_log_in},
        "member, an unsigned pair": {"cookies": {SESSION: session, CSRF: (same := forged_token())}, "field": same},
    })
    # Nothing happened: she is still logged in and her account recorded nothing.
    assert (await target.get("/me")).status_code == 200
    assert await stream_length(web_services, MEMBER) == events

    # After log-out (the token rotates again) her member token is stale for the anonymous visitor.
    logged_out = await target.post("/logout", data={"_csrf_token": member})
    assert logged_out.status_code == 303 and SESSION not in cookies_of(target)
    after = cookies_of(target)[CSRF]
    assert after not in (member, before_log_in)
    wrong += await refused_all(target, method, url, {
        "after log-out, her member token": {"cookies": {CSRF: after}, "field": member},
        "after log-out, her member token in the htmx header": {"cookies": {CSRF: after}, "header": member,
                                                               "htmx": True},
    })
    assert not wrong, f"{method} {url} accepted forged requests:\n" + "\n".join(wrong)

    # And the control: the same request with the visitor's own valid token gets past the CSRF check.
    control = await attempt(target, method, url, {CSRF: after}, field=after)
    assert control.status_code != 403, control.text[:300]


async def test_an_attack_request_carries_exactly_the_cookies_it_is_given(target):
    # Guards the helper the tests above rely on: the explicit Cookie header replaces the client's jar.
    assert (await log_in(target, MEMBER)).status_code == 303
    session = cookies_of(target)[SESSION]
    assert (await target.get("/me", headers=cookie_header({}))).status_code == 303
    assert (await target.get("/me", headers=cookie_header({SESSION: session}))).status_code == 200


async def test_a_refused_forgery_is_not_even_counted(target):
    # A forged log-in is refused before anything reads it: ten of them spend none of the member's
    # five attempts at her password (the throttle never saw them).
    assert (await log_in(target, MEMBER)).status_code == 303
    await target.post("/logout", data={"_csrf_token": cookies_of(target)[CSRF]})
    own = cookies_of(target)[CSRF]
    for _ in range(10):
        forged = await target.post("/login", data={"email": MEMBER, "password": "guess guess"},
                                   headers=cookie_header({CSRF: own}))
        assert forged.status_code == 403
    for _ in range(5):
        guess = await target.post("/login", data={"_csrf_token": own, "email": MEMBER,
                                                  "password": "guess guess"})
        assert guess.status_code == 401
