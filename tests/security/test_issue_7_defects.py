"""Attack: each defect issue 7 found, replayed as it was found (each failed on the code before the fix).

(a) Account takeover by re-sending one's own sign-up form (same command id) with another person's
    address and password; and by a sign-up carrying the victim's own sign-up command id.
(b) "An account with this e-mail address already exists" told to whoever typed the address,
    including when two sign-ups of one new address race.
(c) The log-in limit racing: see test_throttle_bursts.py::test_thirty_simultaneous_guesses_on_two_instances_check_at_most_five.
(d) A CSRF token pair from another visitor's anonymous session accepted on a member's rating form.
(e) ``/movies/99999999999999999999`` answering 500; here every route with an id in its path,
    enumerated from the app, with ids out of range in each position.
(f) Anyone enrolling anyone: a sign-up without the owner's consent must send nothing but a
    confirmation link, and the account can neither log in nor get a picks e-mail until confirmed.
"""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from tests.integration.web_harness import confirm_address, form, log_in, sign_up
from tests.security.conftest import (CSRF, ID_ROUTES, MEMBER, SESSION, VICTIM, VICTIM_PASSWORD, cookie_header,
                                     cookies_of, fresh_pair)
from tests.security.shared_site import smtp_inbox, target, web_services  # noqa: F401  (one site per module)

os.environ.setdefault("MYBIGMOVIE_QUEUE_NAMESPACE", f"mybigmovie-test-{uuid.uuid4().hex[:8]}")
from workers import outbox  # noqa: E402  (the picks mail itself, without the queue)



async def history(services, email: str) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{await services.keyring.owner(email)}")]


# --- (a) takeover through sign-up ------------------------------------------------------------------

async def test_a_takeover_by_replaying_ones_own_sign_up_form_gets_nothing(target, web_services):
    # Given the attacker's own sign-up form, sent once for the attacker's address
    attackers_form = form((await target.get("/signup")).text, "/signup") | {
        "email": "mallory@example.org", "display_name": "M", "password": "mallory's password"}
    assert (await target.post("/signup", data=attackers_form)).status_code == 200
    before = await history(web_services, VICTIM)
    # when it is sent again, same command id, with the victim's address and a wrong, then the right, password
    wrong = await target.post("/signup", data=attackers_form | {"email": VICTIM, "password": "a wrong guess!"})
    right = await target.post("/signup", data=attackers_form | {"email": VICTIM, "password": VICTIM_PASSWORD})
    # then both answer as any sign-up does: the same page (no oracle for the guess), no session
    assert wrong.status_code == right.status_code == 200
    assert wrong.text == right.text and "Check your inbox" in right.text
    assert SESSION not in cookies_of(target) and (await target.get("/me")).status_code == 303
    # and the victim's account is untouched; her own password still opens it
    assert await history(web_services, VICTIM) == before
    assert (await log_in(target, VICTIM, VICTIM_PASSWORD)).status_code == 303
    assert VICTIM in (await target.get("/me")).text


async def test_a_sign_up_with_the_victims_own_command_id_gets_nothing(target, web_services):
    # Given the very command id the victim's sign-up was sent with (say it leaked)
    _, command_id, _ = await web_services.keyring.claimed_by(VICTIM)
    before = await history(web_services, VICTIM)
    # when the attacker sends a sign-up with it, her address and her password
    fields = form((await target.get("/signup")).text, "/signup") | {
        "command_id": command_id, "email": VICTIM, "display_name": "M", "password": VICTIM_PASSWORD}
    response = await target.post("/signup", data=fields)
    # then it is an ordinary sign-up answer: a sign-up never logs anybody in
    assert response.status_code == 200 and "Check your inbox" in response.text
    assert SESSION not in cookies_of(target)
    assert await history(web_services, VICTIM) == before


# --- (b) enumeration by message --------------------------------------------------------------------

@pytest.mark.parametrize("address", [MEMBER, MEMBER.upper(), f"  {MEMBER} ", "unconfirmed@example.org"])
async def test_sign_up_never_says_an_address_has_an_account(target, web_services, address):
    await sign_up(target, "unconfirmed@example.org")  # an account waiting for its confirmation
    response = await sign_up(target, address, password="mallory's password")
    assert response.status_code == 200 and "Check your inbox" in response.text
    assert "already" not in response.text.lower() and "exists" not in response.text.lower()


async def test_racing_sign_ups_of_one_new_address_answer_alike(target, web_services):
    # Three sign-ups of one new address at once (three command ids): one account, three equal answers
    forms = [form((await target.get("/signup")).text, "/signup") | {
        "email": "racer@example.org", "display_name": "R", "password": f"password number {i}"} for i in range(3)]
    answers = await asyncio.gather(*(target.post("/signup", data=fields) for fields in forms))
    assert [a.status_code for a in answers] == [200] * 3
    assert len({a.text for a in answers}) == 1 and "already" not in answers[0].text.lower()
    assert await web_services.keyring.owner("racer@example.org")


# --- (d) a CSRF pair from another visitor on a member's form -----------------------------------------

@pytest.mark.parametrize(("htmx", "rating"), [(False, "5"), (True, "4.5")], ids=["form", "htmx"])
async def test_another_visitors_csrf_pair_is_refused_on_a_members_rating_form(target, web_services, htmx, rating):
    # Given a member on a movie's page, and a token pair (cookie + field) from another visitor
    assert (await log_in(target, MEMBER)).status_code == 303
    page = await target.get("/movies/1")
    fields = form(page.text, "/movies/1/rating") | {"rating": rating}
    before = await history(web_services, MEMBER)
    cookie, token = await fresh_pair(target)
    # when her rating form is sent with that pair
    headers = cookie_header({SESSION: cookies_of(target)[SESSION], CSRF: cookie})
    if htmx:
        headers |= {"HX-Request": "true", "X-CSRFToken": token}
        del fields["_csrf_token"]
    else:
        fields["_csrf_token"] = token
    response = await target.post("/movies/1/rating", data=fields, headers=headers)
    # then it is refused and nothing was rated
    assert response.status_code == 403
    assert await history(web_services, MEMBER) == before
    # while her own token works
    own = await target.post("/movies/1/rating", data=form(page.text, "/movies/1/rating") | {"rating": rating})
    assert own.status_code == 303 and len(await history(web_services, MEMBER)) == len(before) + 1


# --- (e) an id out of range ---------------------------------------------------------------------------

OUT_OF_RANGE = ["-1", str(2**53 + 1), str(2**63), "99999999999999999999", "9" * 400]


async def test_the_id_that_answered_500_is_not_found(target):
    response = await target.get("/movies/99999999999999999999")
    assert response.status_code == 404 and "Page not found" in response.text


async def test_an_id_out_of_range_in_any_route_is_not_found(target):
    # Every route with an id in its path (from the app), each id position in turn out of range, with a
    # valid CSRF token: 404, never 500 (nor 400: nothing is at such an address).
    await target.get("/login")
    token, wrong = cookies_of(target)[CSRF], []
    for method, path in ID_ROUTES:
        for position in range(path.count("{")):
            for value in OUT_OF_RANGE:
                url = _put(path, position, value)
                response = await target.request(method, url, data={"_csrf_token": token, "rating": "4",
                                                                    "command_id": str(uuid.uuid4())}
                                                if method != "GET" else None)
                # the API's member routes check the token before anything else of the request (401);
                # with a token, such an id is a 404 there too (tests/integration/test_api.py)
                if response.status_code != (401 if path.startswith("/api/v1/me/") else 404):
                    wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def _put(path: str, position: int, value: str) -> str:
    """``path`` with its ``position``-th parameter set to ``value`` and the others to 1."""
    pieces, index = [], 0
    for chunk in path.split("{"):
        if "}" in chunk:
            chunk = ("{value}" if index == position else "1") + chunk.split("}", 1)[1]
            index += 1
        pieces.append(chunk)
    return "".join(pieces).replace("{value}", value)


# --- (f) enrolling somebody without their consent ------------------------------------------------------

async def test_signing_up_someone_elses_address_sends_only_a_confirmation_link(target, web_services, smtp_inbox):
    # Given a stranger signs up an address that is not theirs
    address = "someone.else@example.org"
    assert (await sign_up(target, address, password="mallory's password")).status_code == 200
    [message] = await smtp_inbox.wait_for(address, "Confirm your e-mail")
    user_id = await web_services.keyring.owner(address)
    # then the account cannot log in, even with the password the stranger chose
    refused = await log_in(target, address, "mallory's password")
    assert refused.status_code == 403 and SESSION not in cookies_of(target)
    # and no picks e-mail goes to that address, welcome or weekly
    for occasion in ("welcome", "2026-W01"):
        assert await outbox.send(web_services, user_id, occasion) == "not confirmed"
    await asyncio.sleep(0.3)
    subjects = {m["Subject"] for m in smtp_inbox.to(address)}
    assert subjects == {message["Subject"]}, subjects  # the link (sent again at the refused log-in), nothing else
    # and it is the confirmation that makes picks possible at all (the check above is not vacuous)
    assert (await confirm_address(target, address, count=1)).status_code == 303
    assert await outbox.send(web_services, user_id, "welcome") == "sent"
    await smtp_inbox.wait_for(address, "Welcome to MyBigMovie")
    assert (await log_in(target, address, "mallory's password")).status_code == 303
