"""Attack surface a browser and a scanner see: headers, methods, and what an error gives away.

* Every kind of response (a page, a member's page, a redirect, 403, 404, 413, a static file, an htmx
  fragment) carries the security headers (CSP without inline script and with object-src 'none' and
  frame-ancestors 'none', nosniff, Referrer-Policy, and HSTS behind https) and a charset.
* A method a route does not declare (TRACE, PUT, DELETE, PATCH, ...) answers 405, never 2xx; no API
  documentation, schema, directory listing or file outside /static is served; no CORS header is sent.
* ASVS 5.0 3.4.3 asks for ``base-uri 'none'``; the policy says ``'self'`` (an expected failure).
"""
from __future__ import annotations

import dataclasses

import pytest

from tests.integration.web_harness import form, log_in
from tests.security.conftest import ALL_ROUTES, CSRF, MEMBER, app_client, cookies_of, fill

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")


async def every_kind_of_response(client) -> dict[str, object]:
    answers = {"page": await client.get("/movies", headers={"Origin": "https://evil.example"}), "static file": await client.get("/static/site.css"),
               "not found": await client.get("/no-such-page"),
               "forged form": await client.post("/login", data={"email": MEMBER})}
    token = client.cookies["__Host-mbm_csrf"]  # served over https: the cookies have __Host- names
    answers["too large"] = await client.post("/login", content=b"_csrf_token=" + token.encode() + b"&e=" + b"a" * 70_000,
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    answers["redirect"] = await log_in(client, MEMBER)
    answers["member page"] = await client.get("/me/account")
    answers["htmx fragment"] = await client.get("/movies", headers={"HX-Request": "true", "HX-Target": "results"})
    page = await client.get("/movies/1")
    answers["htmx form answer"] = await client.post(
        "/movies/1/not-seen", data=form(page.text, "/movies/1/not-seen"), headers={"HX-Request": "true"})
    return answers


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


async def test_every_kind_of_response_carries_the_security_headers(target, web_services, mongo_url, smtp_inbox):
    settings = dataclasses.replace(web_services.settings, site_url="https://movies.example.org")
    async with app_client(settings, mongo_url, inbox=smtp_inbox, base_url="https://127.0.0.1") as client:
        await client.get("/login")
        answers = await every_kind_of_response(client)
    wrong = []
    for kind, response in answers.items():
        headers = response.headers
        policy = directives(headers.get("content-security-policy", ""))
        expected = {"default-src": "default-src 'self'", "script-src": "script-src 'self'",
                    "object-src": "object-src 'none'", "frame-ancestors": "frame-ancestors 'none'",
                    "form-action": "form-action 'self'"}
        if any(policy.get(name) != value for name, value in expected.items()):
            wrong.append(f"{kind}: CSP {headers.get('content-security-policy')!r}")
        if headers.get("x-content-type-options") != "nosniff" or headers.get("referrer-policy") != "same-origin":
            wrong.append(f"{kind}: nosniff / Referrer-Policy missing")
        hsts = headers.get("strict-transport-security", "")
        if "includeSubDomains" not in hsts or int(hsts.split("max-age=")[1].split(";")[0]) < 31_536_000:
            wrong.append(f"{kind}: HSTS {hsts!r}")
        if headers.get("content-type", "").startswith("text/") and "charset=utf-8" not in headers["content-type"]:
            wrong.append(f"{kind}: {headers['content-type']}")
        if "access-control-allow-origin" in headers:  # no CORS: no other origin may read anything
            wrong.append(f"{kind}: Access-Control-Allow-Origin {headers['access-control-allow-origin']}")
    assert not wrong, "\n".join(wrong)
    assert answers["too large"].status_code == 413 and answers["forged form"].status_code == 403
    assert answers["member page"].headers["cache-control"] == "no-store"


async def test_the_policy_forbids_any_base_element(fresh):
    client, _ = fresh
    policy = directives((await client.get("/")).headers["content-security-policy"])
    assert policy.get("base-uri") == "base-uri 'none'"


async def test_a_method_a_route_does_not_declare_is_not_allowed(fresh):
    client, _ = fresh
    await client.get("/login")
    token, wrong = cookies_of(client)[CSRF], []
    declared: dict[str, set[str]] = {}
    for method, path in ALL_ROUTES:
        declared.setdefault(path, set()).add(method)
    for path, methods in declared.items():
        for method in set(METHODS) - methods - ({"GET"} if "GET" in methods else set()):
            response = await client.request(method, fill(path), headers={"X-CSRFToken": token})
            if response.status_code != 405:
                wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", ["/static/", "/static", "/schema/swagger", "/schema/redoc", "/docs", "/openapi.json",
                                  "/.git/config", "/static/../../pyproject.toml", "/static/..%2f..%2fpyproject.toml"])
async def test_nothing_but_the_site_is_served(fresh, path):
    # (/schema and /schema/openapi.json describe the API, and only it: tests/integration/test_api.py)
    client, _ = fresh
    response = await client.get(path)
    assert response.status_code == 404 and "[project]" not in response.text and '"openapi":' not in response.text
