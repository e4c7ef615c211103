"""``serve`` with two web processes on one port (MYBIGMOVIE_WEB_PROCESSES=2), as an operator runs it:
each process serves, sessions made in one hold in the other, and a member's write shows on their
next page whichever process serves it.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from mybigmovie import bootstrap
from tests.conftest import Inbox, link_in
from tests.e2e.test_browser import ROOT, _free_port, _wait_until_up, mailbox  # noqa: F401
from tests.integration.web_harness import CATALOG, PASSWORD, REDIS_URL, form, movie_listed, seed, web_settings

pytestmark = pytest.mark.e2e


def web_children(parent: int) -> list[int]:
    """The extra web processes ``serve`` started (``mybigmovie.cli web --fd N``)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"PPid:\t{parent}\n" in (entry / "status").read_text():
                if b"mybigmovie.cli\x00web\x00--fd" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


async def both_started(log: Path, timeout: float = 60) -> None:
    for _ in range(int(timeout * 10)):
        if log.read_text().count("Application startup complete.") >= 2:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the second web process did not start:\n{log.read_text()[-3000:]}")


async def test_two_web_processes_share_the_port_sessions_and_writes(mongo_url, tmp_path, mailbox: Inbox):
    port = _free_port()
    settings = web_settings(f"e2e_{uuid.uuid4().hex[:10]}", tmp_path, port)
    async with bootstrap.services(settings, mongo_url) as services:
        await seed(services, [movie_listed(movie) for movie in CATALOG])
        env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": settings.database,
               "MYBIGMOVIE_PORT": str(port), "MYBIGMOVIE_VAR_DIR": str(tmp_path), "SECRET_KEY": settings.secret_key,
               "REDIS_URL": REDIS_URL, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
               "MYBIGMOVIE_WEB_PROCESSES": "2"}
        log = open(tmp_path / "server.log", "wb")
        server = subprocess.Popen([sys.executable, "-m", "mybigmovie.cli", "serve", "--no-workers"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_until_up(base, server, tmp_path / "server.log")
            await both_started(tmp_path / "server.log")
            [child] = web_children(server.pid)
            async with httpx.AsyncClient(base_url=base) as site:
                # a member, made over HTTP (each request served by either process)
                page = await site.get("/signup")
                await site.post("/signup", data=form(page.text, "/signup") | {
                    "email": "ann@example.org", "display_name": "Ann", "password": PASSWORD})
                [message] = await mailbox.wait_for("ann@example.org", "Confirm your e-mail")
                link = link_in(message, "/account/verify")
                page = await site.get(link)
                await site.post("/account/verify", data=form(page.text, "/account/verify"))
                page = await site.get("/login")
                logged_in = await site.post("/login", data=form(page.text, "/login") | {
                    "email": "ann@example.org", "password": PASSWORD})
                assert logged_in.status_code == 303
            # when the first process is stopped, the second serves alone: the session holds there
            server.send_signal(signal.SIGSTOP)
            try:  # new connections (no keep-alive): the stopped process holds the old one
                async with httpx.AsyncClient(base_url=base, cookies=site.cookies, timeout=10,
                                             headers={"Connection": "close"}) as site:
                    me = await site.get("/me")
                    assert me.status_code == 200 and "ann@example.org" in me.text
                    # and a rating sent to it shows on the next page
                    movie = await site.get("/movies/2")
                    rated = await site.post("/movies/2/rating", data=form(movie.text, "/movies/2/rating") | {
                        "rating": "4.5"})
                    assert rated.status_code == 303
                    cookies = site.cookies
            finally:
                server.send_signal(signal.SIGCONT)
            # and back on both processes, every page shows it
            async with httpx.AsyncClient(base_url=base, cookies=cookies, headers={"Connection": "close"}) as site:
                for _ in range(10):
                    page = await site.get("/me")
                    assert page.status_code == 200 and 'href="/movies/2"' in page.text and "4.5 of 5" in page.text
            assert alive(child)  # still serving
            # and killed outright, the first process takes the second with it: nothing serves orphaned
            server.kill()
            server.wait(timeout=10)
            for _ in range(100):
                if not alive(child):
                    break
                await asyncio.sleep(0.1)
            assert not alive(child)
        finally:
            server.terminate()
            server.wait(timeout=15)
            log.close()
            await services.client.drop_database(settings.database)
    assert not web_children(server.pid)
