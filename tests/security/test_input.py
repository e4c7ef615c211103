"""Attack: hostile input on every state-changing route, and markup in what the site shows back.

* Operator injection, with a valid CSRF token so the request gets past the first check: every field
  any form declares sent as ``field[$ne]=``, ``field[$gt]=``, ``field={"$ne": ""}``, ``$where`` and
  ``$regex`` documents, arrays (the field repeated, ``field[0]=``), extra keys the forms do not
  declare (``user_id[$gt]=``, ``$where=``, ``_id[$ne]=``), and a JSON body. As an anonymous visitor
  and as a member: a 4xx or an ordinary page, never a 5xx, never a session as somebody else, and
  nothing recorded on another account.
* Bodies over 64 KiB (url-encoded and multipart, the token in the form or in the htmx header) on
  every route: 413 as the body streams in, or (for a handler that never reads a body) an answer that
  did not read it; never 2xx for a body that was read, never 5xx.
* Stored and reflected markup (a display name, a search) comes back escaped.
"""
from __future__ import annotations

import json
import uuid

import pytest

from tests.integration.web_harness import PASSWORD, join, log_in
from tests.security.conftest import CSRF, MEMBER, ROUTE_IDS, SESSION, UNSAFE_ROUTES, VICTIM, cookies_of, fill
from web import forms

ATTACKER = MEMBER


def form_fields() -> set[str]:
    """Every field name any form of the site declares (a new form's fields are attacked too)."""
    found, pending = set(), [forms.Form]
    while pending:
        kind = pending.pop()
        found |= set(kind.__struct_fields__)
        pending += kind.__subclasses__()
    return found


FIELDS = sorted(form_fields())
EXTRA = {"user_id[$gt]": "", "user_id": '{"$gt": ""}', "_id[$ne]": "", "$where": "1 == 1", "movie_id[$ne]": "0"}


def payloads() -> dict[str, dict]:
    """Name -> form fields (besides the valid CSRF token and command id)."""
    def each(value) -> dict:
        return {field: value for field in FIELDS if field != "command_id"}
    return {
        "field[$ne]=": {f"{field}[$ne]": "" for field in FIELDS if field != "command_id"} | EXTRA,
        "field[$gt]=": {f"{field}[$gt]": "" for field in FIELDS if field != "command_id"} | EXTRA,
        'field={"$ne": ""}': each('{"$ne": ""}') | EXTRA,
        'field={"$gt": null}': each('{"$gt": null}') | EXTRA,
        "$where": each('{"$where": "sleep(5000) || true"}') | EXTRA,
        "$regex": each('{"$regex": ".*"}') | EXTRA,
        "the victim with password={\"$ne\": \"\"}": each('{"$ne": ""}') | {"email": VICTIM},
        "the victim with password[$ne]=": {"email": VICTIM, "password[$ne]": "", "current_password[$ne]": ""},
        "arrays (each field repeated)": {field: [VICTIM if field == "email" else "1", '{"$ne": ""}']
                                         for field in FIELDS if field != "command_id"},
        "arrays (field[0]=, field[1]=)": {f"{field}[{i}]": VICTIM for field in FIELDS for i in (0, 1)},
        "command_id={\"$ne\": \"\"}": {"command_id": '{"$ne": ""}', "rating": "4", "email": VICTIM},
        "command_id[$ne]=": {"command_id[$ne]": "", "rating": "4", "email": VICTIM},
        "null bytes and controls": each("a\x00b\r\nBcc: x@example.org") | EXTRA,
    }


async def victim_history(services) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{await services.keyring.owner(VICTIM)}")]


async def send(client, method: str, url: str, fields: dict, shape: str):
    token = cookies_of(client)[CSRF]
    if shape == "json":  # not a form: the token goes in the header, as htmx sends it
        body = {"_csrf_token": token, "command_id": str(uuid.uuid4())} | {k: {"$ne": ""} for k in fields}
        return await client.request(method, url, content=json.dumps(body),
                                    headers={"Content-Type": "application/json", "X-CSRFToken": token})
    data = {"_csrf_token": token, "command_id": str(uuid.uuid4())} | fields
    return await client.request(method, url, data=data)


@pytest.mark.parametrize(("method", "path"), UNSAFE_ROUTES, ids=ROUTE_IDS)
async def test_operator_injection_is_inert_on_every_route(fresh, method, path):
    target, web_services = fresh
    url = fill(path)
    # Given a victim whose password the attacker does not know, and the attacker's own account
    before = await victim_history(web_services)
    wrong = []

    async def check(who: str, name: str, response) -> None:
        if response.status_code >= 500 or "Traceback" in response.text:
            wrong.append(f"{who}, {name}: {response.status_code}")
        elif who == "anonymous" and SESSION in cookies_of(target):  # no session ever comes without a cookie
            wrong.append(f"{who}, {name}: a session came out of it")
        elif who == "member" and (me := await target.get("/me")).status_code == 200 and (
                ATTACKER not in me.text or VICTIM in me.text):
            wrong.append(f"{who}, {name}: logged in as somebody else")

    # When an anonymous visitor sends each payload
    await target.get("/login")
    for name, fields in [*payloads().items(), ("json", {field: "" for field in FIELDS})]:
        response = await send(target, method, url, fields, "json" if name == "json" else "form")
        await check("anonymous", name, response)
        if SESSION in cookies_of(target):  # so the next payload starts anonymous again
            await target.post("/logout", data={"_csrf_token": cookies_of(target)[CSRF]})

    # and a member sends each payload (logging in again whenever a payload was a log-out)
    assert (await log_in(target, ATTACKER)).status_code == 303
    for name, fields in [*payloads().items(), ("json", {field: "" for field in FIELDS})]:
        response = await send(target, method, url, fields, "json" if name == "json" else "form")
        await check("member", name, response)
        if SESSION not in cookies_of(target):
            assert (await log_in(target, ATTACKER)).status_code == 303

    # then each answer was a 4xx or an ordinary page, nobody became the victim, her account is untouched
    assert not wrong, f"{method} {url}:\n" + "\n".join(wrong)
    assert await victim_history(web_services) == before
    assert len(before) == 2  # signed up and confirmed: nothing else, ever


async def test_log_in_by_operator_injection_gets_nobody_in(target):
    # The classic NoSQL log-in bypass, spelled every way a form can carry it, against a real member.
    attempts = [{"email[$ne]": "", "password[$ne]": ""}, {"email": '{"$ne": ""}', "password": '{"$ne": ""}'},
                {"email": VICTIM, "password[$ne]": ""}, {"email": VICTIM, "password": '{"$gt": ""}'},
                {"email": VICTIM, "password": ["x", '{"$ne": ""}']}, {"email": '{"$regex": "^v"}', "password": "x"},
                {"email": VICTIM + "' || '1'=='1", "password": "' || '1'=='1"}]
    for fields in attempts:
        page = await target.get("/login")
        response = await target.post("/login", data={"_csrf_token": cookies_of(target)[CSRF]} | fields)
        assert response.status_code in (401, 422, 429), (fields, response.status_code)
        assert "do not match" in response.text or "Please enter" in response.text or "Too many" in response.text
        assert SESSION not in cookies_of(target) and page.status_code == 200


URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}
BIG = b"&email=" + b"a" * (100 * 1024)


async def test_a_body_over_64_kib_is_refused_on_every_route(target):
    # Given each route, as an anonymous visitor and then as a member
    wrong = []

    async def oversize(who: str) -> None:
        for method, path in UNSAFE_ROUTES:
            url, token = fill(path), cookies_of(target)[CSRF]
            # the token in the form (as a browser posts it): the CSRF middleware reads the body first
            in_form = await target.request(method, url, content=b"_csrf_token=" + token.encode() + BIG,
                                           headers=URLENCODED)
            multipart = await target.request(method, url, data={"_csrf_token": token},
                                             files={"email": ("big.txt", b"a" * (100 * 1024), "text/plain")})
            for name, response in (("in the form", in_form), ("multipart", multipart)):
                if path.startswith("/api/"):  # no token: refused before any body is read
                    if response.status_code != 401:
                        wrong.append(f"{who} {method} {url} ({name}): {response.status_code}")
                elif response.status_code != 413 or "too much to send" not in response.text:
                    wrong.append(f"{who} {method} {url} ({name}): {response.status_code}")
            # the token in the htmx header: the handler reads the body, if it reads one at all
            in_header = await target.request(method, url, content=BIG[1:], headers=URLENCODED | {"X-CSRFToken": token})
            reads_no_body = (in_header.status_code == 303 and (path == "/logout" or who == "anonymous")
                             # the operator page is refused to anybody else before a body is read
                             or in_header.status_code == 404 and path.startswith("/ops/")
                             or in_header.status_code == 401 and path.startswith("/api/"))
            if in_header.status_code != 413 and not reads_no_body:
                wrong.append(f"{who} {method} {url} (in the header): {in_header.status_code}")
            if SESSION not in cookies_of(target) and who == "member":  # /logout took no body, and logged out
                assert (await log_in(target, ATTACKER)).status_code == 303

    await target.get("/login")
    await oversize("anonymous")
    assert (await log_in(target, ATTACKER)).status_code == 303
    await oversize("member")
    # then every body that was read was refused with 413 before anything acted on it
    assert not wrong, "\n".join(wrong)


async def test_a_body_of_another_type_is_never_read_as_a_form(target):
    # JSON, XML or plain text (up to 100 KiB) with a valid header token: the forms read only
    # url-encoded and multipart bodies, so it is a form with no fields (4xx), never acted on, never 5xx.
    assert (await log_in(target, ATTACKER)).status_code == 303
    for content_type in ("application/json", "text/xml", "text/plain", "application/octet-stream"):
        for method, path in UNSAFE_ROUTES:
            if path == "/logout":
                continue
            token = cookies_of(target)[CSRF]
            body = json.dumps({"email": VICTIM, "password": PASSWORD, "pad": "a" * (100 * 1024)})
            response = await target.request(method, fill(path), content=body,
                                            headers={"Content-Type": content_type, "X-CSRFToken": token})
            assert 400 <= response.status_code < 500, (content_type, path, response.status_code)
    assert (await target.get("/me")).status_code == 200


async def test_markup_in_a_name_or_a_search_comes_back_escaped(target):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await join(target, "mallory@example.org", name=name)
    for page in (await target.get("/me"), await target.get("/me/account"),
                 await target.get("/search", params={"q": name})):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
