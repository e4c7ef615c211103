"""When MongoDB or Redis stops answering: a clear 503 page within seconds, never a hang or a
traceback, and the site back by itself when they return. Real servers, stopped and started again."""
from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from mybigmovie import bootstrap
from mybigmovie.embedded import EmbeddedMongo
from tests.servers import RedisServer, free_port
from tests.integration.web_harness import (CATALOG, form, join, movie_listed, seed, web_client,  # noqa: F401
                                           web_services, web_settings)


async def test_the_probes_say_alive_and_ready(web_services, mongo_url, smtp_inbox):
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as site:
        alive = await site.get("/healthz")
        assert alive.status_code == 200 and alive.json() == {"status": "alive"}
        ready = await site.get("/readyz")
        assert ready.status_code == 200 and ready.json()["mongodb"] == "ok" and ready.json()["redis"] == "ok"
        assert ready.json()["model"] is None  # no model trained: ready all the same (lists by popularity)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server (make test installs it)")
async def test_redis_down_gives_a_503_page_and_the_site_recovers_by_itself(web_services, mongo_url, smtp_inbox,
                                                                           tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    settings = dataclasses.replace(web_services.settings, redis_url=redis.url)
    try:
        async with web_client(settings, mongo_url, inbox=smtp_inbox) as site:
            await join(site, "ann@example.org")
            assert (await site.get("/me")).status_code == 200
            redis.stop()
            started = time.monotonic()
            down = await site.get("/me")
            assert down.status_code == 503 and "not answering" in down.text and "Traceback" not in down.text
            assert down.headers["Retry-After"] == "5" and time.monotonic() - started < 5
            assert (await site.get("/readyz")).status_code == 503
            cookies = dict(site.cookies)
            site.cookies.clear()
            assert (await site.get("/about")).status_code == 200  # a visitor's page needs no Redis
            site.cookies.update(cookies)
            redis.start()  # empty: its sessions are gone with it
            assert (await site.get("/readyz")).status_code == 200
            assert (await site.get("/me")).status_code == 303  # asked to log in again, not an error
    finally:
        if redis.process.poll() is None:
            redis.stop()


async def test_mongodb_down_gives_a_fast_503_and_the_site_recovers_by_itself(tmp_path, smtp_inbox):
    server = EmbeddedMongo(tmp_path / "db")
    url = server.start()
    settings = web_settings("down_test", tmp_path / "var", smtp_port=smtp_inbox.port)
    try:
        async with bootstrap.services(settings, url) as services:
            await seed(services, [movie_listed(movie) for movie in CATALOG])
        async with web_client(settings, url, inbox=smtp_inbox) as site:
            await join(site, "ann@example.org")
            page = await site.get("/movies/3")
            fields = form(page.text, "/movies/3/rating") | {"rating": "4"}
            server.stop()
            started = time.monotonic()
            refused = await site.post("/movies/3/rating", data=fields)
            assert refused.status_code == 503 and "sending it again is safe" in refused.text
            assert time.monotonic() - started < bootstrap.MONGODB_TIMEOUT_MS / 1000 + 3  # not PyMongo's 30 s
            assert (await site.get("/readyz")).status_code == 503
            server.start(port=server.port)
            assert (await site.get("/readyz")).status_code == 200
            again = await site.post("/movies/3/rating", data=fields)  # the same form sent again
            assert again.status_code == 303
            assert "4 of 5 stars" in (await site.get("/movies/3")).text
    finally:
        server.stop()
