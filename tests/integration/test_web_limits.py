"""Input limits over HTTP: nothing a request carries makes the site answer 500 or do unbounded work.

An id out of range answers 404 before it reaches the database (PyMongo cannot encode an int past
2**63); a number out of range in the query answers 400; a body over 64 KiB answers 413 as it
streams in, before the CSRF middleware or a handler parses it. Each is the site's readable page.
"""
from __future__ import annotations

import asyncio
import contextlib
import tracemalloc
import uuid

import pytest
import redis.asyncio as redis
import uvicorn

from tests.integration.web_harness import (REDIS_URL, catalog, csrf_token, form, movie_site,  # noqa: F401
                                           web_services)
from web.app import create_app

LIMIT = 64 * 1024
IDS = ["0", "-1", str(2**53 + 1), str(2**63), "99999999999999999999", "9" * 5000]
EPISODE_NUMBERS = ["-1", "1001", str(2**63), "99999999999999999999"]
PAGES = ["/movies/{}", "/shows/{}"]
FORMS = ["/movies/{}/rating", "/movies/{}/rating/delete", "/movies/{}/not-seen", "/movies/{}/not-interested",
         "/shows/{}/rating", "/shows/{}/episodes/1/1/rating"]
EPISODE_FORMS = ["/shows/1/episodes/{}/1/rating", "/shows/1/episodes/1/{}/rating"]
URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


def assert_error_page(response, status: int, heading: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert 'class="error-page"' in response.text and heading in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", [p.format(i) for p in PAGES for i in IDS])
async def test_an_id_out_of_range_is_a_page_not_found(movie_site, path):
    assert_error_page(await movie_site.get(path), 404, "Page not found")


async def test_a_form_for_an_id_out_of_range_is_not_found_with_a_valid_csrf_token(movie_site):
    page = await movie_site.get("/movies/1")
    token = form((await movie_site.get("/login")).text, "/login")["_csrf_token"]  # as a plain form posts it
    fields = {"_csrf_token": token, "command_id": str(uuid.uuid4()), "rating": "4"}
    header = {"X-CSRFToken": csrf_token(page.text)}  # as htmx sends it
    paths = [p.format(i) for p in FORMS for i in IDS] + [p.format(n) for p in EPISODE_FORMS for n in EPISODE_NUMBERS]
    for path in paths:
        assert_error_page(await movie_site.post(path, data=fields), 404, "Page not found")
        assert_error_page(await movie_site.post(path, data={"rating": "4"}, headers=header), 404, "Page not found")
        fragment = await movie_site.post(path, data=fields, headers={**header, "HX-Request": "true"})
        assert fragment.status_code == 404 and "There is nothing at this address" in fragment.text


@pytest.mark.parametrize("query", ["/movies?page=99999999999999999999", "/movies?page=0", "/movies?page=-1",
                                   "/movies?page=abc", "/shows?page=99999999999999999999", "/shows?page=10001",
                                   "/movies?decade=99999999999999999990", "/search?q=" + "a" * 201])
async def test_a_query_number_out_of_range_is_a_bad_request(movie_site, query):
    assert_error_page(await movie_site.get(query), 400, "That request did not make sense")


@pytest.mark.parametrize("size", [100 * 1024, 10 * 1024 * 1024])
@pytest.mark.parametrize("token", ["in the form", "in the header", "none"])
async def test_a_body_over_64_kib_is_refused_with_a_readable_page(movie_site, size, token):
    page = await movie_site.get("/login")
    fields = form(page.text, "/login") if token == "in the form" else {}
    headers = {**URLENCODED, **({"X-CSRFToken": csrf_token(page.text)} if token == "in the header" else {})}
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode() + b"&email=" + b"a" * size
    # /login reads its form in the handler; without a token in the header the CSRF middleware reads it first
    assert_error_page(await movie_site.post("/login", content=body, headers=headers), 413, "too much to send")
    if token != "in the header":  # a member's form: the middleware reads it before anyone is logged in
        refused = await movie_site.post("/movies/1/rating", content=body, headers=headers)
        assert_error_page(refused, 413, "too much to send")


async def test_a_large_multipart_body_is_refused_too(movie_site):
    page = await movie_site.get("/login")
    response = await movie_site.post("/login", data=form(page.text, "/login"),
                                      files={"email": ("big.txt", b"a" * (100 * 1024), "text/plain")})
    assert_error_page(response, 413, "too much to send")


async def test_a_body_under_the_limit_is_read_as_usual(movie_site):
    page = await movie_site.get("/login")
    fields = form(page.text, "/login") | {"email": "a" * (LIMIT - 2048) + "@example.org", "password": "x"}
    response = await movie_site.post("/login", data=fields)
    assert response.status_code not in (413, 500) and "Traceback" not in response.text


@pytest.fixture
async def served(catalog, web_services):
    """The site under uvicorn on a free port, as ``mybigmovie serve`` runs it: a raw socket can
    then send what no test client does (a chunked body that never ends)."""
    namespace = f"mbm-test-{uuid.uuid4().hex[:10]}"
    app = create_app(lambda: contextlib.nullcontext(web_services), web_services.settings, run_projector=False,
                     redis_namespace=namespace)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task.exception()
        await asyncio.sleep(0.02)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await task
    async with redis.from_url(REDIS_URL) as connection:
        async for key in connection.scan_iter(f"{namespace}:*"):
            await connection.delete(key)


async def raw_post(port: int, path: str, size: int, chunked: bool) -> tuple[int, str]:
    """POST ``size`` bytes of form to ``path`` in 64 KiB pieces; the answer's status and body.
    Sending stops when the server answers or closes: it need not read what it refuses."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 f"{length}\r\n\r\n".encode())

    async def body() -> None:
        piece = b"a" * LIMIT
        with contextlib.suppress(ConnectionError):
            for _ in range(size // len(piece)):
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                await writer.drain()
            writer.write(b"0\r\n\r\n" if chunked else b"")
            await writer.drain()

    sending = asyncio.create_task(body())
    try:
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)).decode()
        headers = dict(line.lower().split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        content = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 20)
        return int(head.split()[1]), content.decode()
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        writer.close()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
async def test_a_10_mb_body_on_a_real_server_is_refused_without_being_held(served, chunked):
    tracemalloc.start()
    try:
        status, page = await raw_post(served, "/login", 10 * 1024 * 1024, chunked)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413 and 'class="error-page"' in page and "too much to send" in page
    assert peak < 4 * 1024 * 1024, f"{peak:,} bytes held while refusing it"  # server and client share this process
    status, _ = await raw_post(served, "/login", 0, chunked)
    assert status == 403  # the server still answers (no CSRF token: refused as usual)
