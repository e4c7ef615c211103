"""Attack: finding out which e-mail addresses have an account (user enumeration).

By message: sign-up, "forgot my password" and "send the confirmation link again" answer the same
status and the same bytes (but for the address echoed back) for an address with a confirmed
account, one with an unconfirmed account and one with none; log-in fails with the same page for an
unknown address and a wrong password; the throttle answers alike whether or not the address exists.

By timing: against the site under a real HTTP server (what an attacker measures is the time to the
response; the e-mail is sent after it), the median of 15 interleaved requests for a known and for an
unknown address on /login, /signup, /password/forgot and /account/verify/resend is within noise.
"""
from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
import uuid

import pytest

from tests.integration.web_harness import PASSWORD, form, log_in
from tests.members import new_member
from tests.security.conftest import MEMBER, SESSION, VICTIM, browser, cookies_of, drop_namespace

UNCONFIRMED = "unconfirmed@example.org"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN = re.compile(r"[0-9a-f]{128}")


def normalized(response, address: str) -> tuple[int, str]:
    """Status and body with the address echoed back, CSRF tokens and command ids blanked out."""
    body = TOKEN.sub("TOKEN", UUID.sub("COMMAND-ID", response.text))
    return response.status_code, re.sub(re.escape(address), "ADDRESS", body, flags=re.IGNORECASE)


async def post_form(client, action: str, page: str, **fields):
    return await client.post(action, data=form((await client.get(page)).text, action) | fields)


@pytest.fixture
async def unconfirmed(web_services):
    await new_member(web_services.handlers, UNCONFIRMED, "Una", PASSWORD, verified=False)
    await web_services.projector.run_once()


async def test_sign_up_answers_alike_for_every_address(unconfirmed, target):
    answers = {}
    for address in (MEMBER, UNCONFIRMED, "nobody@example.org"):
        response = await post_form(target, "/signup", "/signup", email=address, display_name="Mallory",
                                   password="mallory's password")
        answers[address] = normalized(response, address)
        assert SESSION not in cookies_of(target)
        assert "already" not in response.text.lower()
    assert len(set(answers.values())) == 1, answers.keys()
    assert answers[MEMBER][0] == 200


@pytest.mark.parametrize("action", ["/password/forgot", "/account/verify/resend"])
async def test_asking_for_a_link_answers_alike_for_every_address(unconfirmed, target, action):
    answers = {address: normalized(await post_form(target, action, action, email=address), address)
               for address in (MEMBER, UNCONFIRMED, "nobody@example.org", "NOBODY@example.org")}
    assert len(set(answers.values())) == 1
    assert answers[MEMBER][0] == 200


async def test_a_failed_log_in_says_the_same_for_an_unknown_address_and_a_wrong_password(unconfirmed, target):
    answers = [normalized(await log_in(target, address, password), address) for address, password in (
        ("nobody@example.org", PASSWORD), (MEMBER, "not her password"), (UNCONFIRMED, "not her password"))]
    assert len(set(answers)) == 1 and answers[0][0] == 401
    assert "do not match an account" in answers[0][1]
    # only the right password learns that an address waits for confirmation
    assert (await log_in(target, UNCONFIRMED, PASSWORD)).status_code == 403


async def test_the_throttle_answers_alike_for_known_and_unknown_addresses(target):
    # The limit is counted per address typed, before anyone looks the address up.
    for attempts in ([(MEMBER, "guess guess")] * 6, [("nobody@example.org", "guess guess")] * 6):
        statuses = [(await log_in(target, email, password)).status_code for email, password in attempts]
        assert statuses == [401] * 5 + [429]
    for address in (VICTIM, "fresh@example.org"):  # at most 3 sign-up mails an hour per address
        statuses = [(await post_form(target, "/signup", "/signup", email=address, display_name="M",
                                     password="mallory's password")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


# --- timing ---------------------------------------------------------------------------------------

SAMPLES, WARM_UP, ROUNDS = 15, 1, 3


def alike(known: float, unknown: float) -> bool:
    """Within noise: a ratio under 1.5, or under 5 ms apart (argon2 alone jitters by more on a busy
    machine). A leak is an order of magnitude: a hash (~50 ms) skipped, or a write awaited."""
    return max(known, unknown) / min(known, unknown) < 1.5 or abs(known - unknown) < 0.005


@pytest.fixture
async def members(web_services):
    """MEMBER (confirmed) and UNCONFIRMED, made before the site starts."""
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await new_member(web_services.handlers, UNCONFIRMED, "Una", PASSWORD, verified=False)
    await web_services.projector.run_once()


@pytest.fixture
async def live(members, served):
    """The site under uvicorn, with its members: (base url, Redis namespace)."""
    return served


async def medians(base_url: str, namespace: str, path: str, known, unknown) -> tuple[float, float]:
    """Median seconds to the response for ``known()`` and ``unknown()`` fields, sampled in random
    alternation (a burst of load then hits both alike), the throttle cleared before each request
    so that every one does the full work."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    async with browser(base_url) as client:
        await client.get(path)
        token = client.cookies["mbm_csrf"]
        for i in range(WARM_UP + SAMPLES):
            for kind in random.sample(["known", "unknown"], 2):
                await drop_namespace(namespace, "throttle:*")
                fields = {"_csrf_token": token, "command_id": str(uuid.uuid4())} | (known if kind == "known"
                                                                                     else unknown)()
                started = time.perf_counter()
                response = await client.post(path, data=fields)
                elapsed = time.perf_counter() - started
                assert response.status_code in (200, 401), (path, kind, response.status_code, response.text[:200])
                if i >= WARM_UP:
                    times[kind].append(elapsed)
                await asyncio.sleep(0.02)  # let the e-mail of this request go before the next one
    return statistics.median(times["known"]), statistics.median(times["unknown"])


def fresh_address() -> str:
    return f"new-{uuid.uuid4().hex[:12]}@example.org"


CASES = {
    "/login": (lambda: {"email": MEMBER, "password": "not her password"},
               lambda: {"email": fresh_address(), "password": "not her password"}),
    "/signup": (lambda: {"email": MEMBER, "password": "mallory's password", "display_name": "M"},
                lambda: {"email": fresh_address(), "password": "mallory's password", "display_name": "M"}),
    "/password/forgot": (lambda: {"email": MEMBER}, lambda: {"email": fresh_address()}),
    "/account/verify/resend": (lambda: {"email": UNCONFIRMED}, lambda: {"email": fresh_address()}),
}


@pytest.mark.slow
@pytest.mark.parametrize("path", list(CASES))
async def test_the_response_time_does_not_tell_a_known_address(live, path):
    # Measured on loopback, 2 cores: /login alike within a few per cent; /signup of a new address about
    # 25 ms (15-20 %) slower than of a known one (its event is appended and awaited before the answer);
    # /password/forgot and /account/verify/resend 2-4 ms slower for a known address. All within this
    # bound; the sign-up residue is docs/SECURITY.md's known gap 3.
    base_url, namespace = live
    seen = []
    for _ in range(ROUNDS):  # a consistent difference fails every round; a burst of load, one at most
        known, unknown = await medians(base_url, namespace, path, *CASES[path])
        seen.append(f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms")
        if alike(known, unknown):
            return
    pytest.fail(f"{path}: the time tells a known address from an unknown one: " + "; ".join(seen))
