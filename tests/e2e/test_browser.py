"""The site in a real browser: Debian's Chromium driven by Playwright, against the real server
(``mybigmovie serve`` in a subprocess) on a fresh database and real Redis.

With JavaScript a member rates by clicking a star or with the keyboard, and the list re-orders in
place, without a page load; with JavaScript off the same flow works through plain forms. A member
signs up, confirms the address from the e-mail (caught by a real SMTP server on loopback), and logs in.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import httpx
import pytest
from aiosmtpd.controller import Controller

from mybigmovie import bootstrap
from tests.conftest import Inbox, link_in
from tests.integration.web_harness import CATALOG, REDIS_URL, movie_listed, seed, web_settings

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("/tmp/mybigmovie-movies.png")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def mailbox():
    """The SMTP server the site sends its e-mails to (kept for the whole module, as the site is)."""
    inbox = Inbox()
    inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@contextlib.asynccontextmanager
async def served(mongo_url: str, var_dir: Path, mailbox: Inbox, prepare: Callable[[bootstrap.Services], Awaitable]):
    """``mybigmovie serve --no-workers`` on a free port over a fresh database that ``prepare(services)``
    fills first (the catalog, a model in ``services.settings.model_dir``), e-mail to ``mailbox``, and
    Chromium: yields (browser, the site's address). The database is dropped afterwards, and a
    traceback in the server's log fails the test."""
    from playwright import async_api as playwright

    assert Path(CHROMIUM).exists(), f"Debian's Chromium is not at {CHROMIUM}: make test installs it"
    port = _free_port()
    settings = web_settings(f"e2e_{uuid.uuid4().hex[:10]}", var_dir, port)
    async with bootstrap.services(settings, mongo_url) as services:
        await prepare(services)
        env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": settings.database,
               "MYBIGMOVIE_HOST": "127.0.0.1", "MYBIGMOVIE_PORT": str(port), "MYBIGMOVIE_VAR_DIR": str(var_dir),
               "SECRET_KEY": settings.secret_key, "REDIS_URL": REDIS_URL,
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port)}
        log = open(var_dir / "server.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "mybigmovie.cli", "serve", "--no-workers"], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            await _wait_until_up(f"http://127.0.0.1:{port}", process, var_dir / "server.log")
            async with playwright.async_playwright() as driver:
                browser = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                yield browser, f"http://127.0.0.1:{port}"
                await browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
            await services.client.drop_database(settings.database)
    output = (var_dir / "server.log").read_text()
    assert "Traceback" not in output, output[output.find("Traceback"):][:3000]


@pytest.fixture(scope="module")
async def server(mongo_url: str, tmp_path_factory: pytest.TempPathFactory, mailbox: Inbox):
    """The site over CATALOG in Chromium: (browser, its address, the mailbox its e-mails reach)."""
    async def prepare(services):
        await seed(services, [movie_listed(movie) for movie in CATALOG])
    async with served(mongo_url, tmp_path_factory.mktemp("e2e-var"), mailbox, prepare) as (browser, base):
        yield browser, base, mailbox


async def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(int(timeout * 10)):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
            try:
                if (await client.get(f"{url}/status")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


async def _sign_up(page, base: str, name: str, confirmation_link) -> str:
    """Sign up, open the link e-mailed to the address (``await confirmation_link(address)``: its path and
    query), confirm, and log in, as a person does; returns the address."""
    address = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
    await page.goto(f"{base}/signup")
    await page.fill("#display_name", name)
    await page.fill("#email", address)
    await page.fill("#password", "correct horse battery")
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_selector("text=Check your inbox")
    await page.goto(base + await confirmation_link(address))
    await page.click("form.stacked button[type=submit]")  # "Confirm my address"
    await page.wait_for_selector("text=Your address is confirmed")  # on the log-in page
    await page.fill("#email", address)
    await page.fill("#password", "correct horse battery")
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_selector(f"text=Welcome, {name}")
    return address


def _link_from(inbox: Inbox):
    async def confirmation_link(address: str) -> str:
        [message] = await inbox.wait_for(address, "Confirm your e-mail")
        return link_in(message, "/account/verify")
    return confirmation_link


async def _order(page) -> list[str]:
    return await page.locator("#results li.card h3 a").all_inner_texts()


async def test_with_javascript_rating_re_orders_the_list_in_place(server):
    browser, base, mailbox = server
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    # given a new member on the movies list
    address = await _sign_up(page, base, "Ann", _link_from(mailbox))
    await page.click("nav >> text=Movies")
    await page.wait_for_url(f"{base}/movies")
    assert (await _order(page))[2:5] == ["Toy Story", "Heat", "Obscure Gem"]
    await page.evaluate("window.stillThisPage = true")
    # when they click the fifth star of "Obscure Gem"
    await page.click("label[for=m6-10]")
    # then it shows their rating and moves up the list, with no page load
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#results li.card h3 a')].map(a => a.textContent)[2] === 'Obscure Gem'")
    assert "5 of 5 stars" in await page.inner_text("#movie-6")
    assert await page.evaluate("window.stillThisPage") is True
    # and the stars work from the keyboard: arrow keys move half a star, the choice is sent
    await page.focus("#m2-1")
    for _ in range(6):
        await page.keyboard.press("ArrowRight")
    await page.wait_for_function("() => document.querySelector('#movie-2').innerText.includes('3.5 of 5 stars')")
    assert await page.evaluate("window.stillThisPage") is True
    await page.mouse.move(0, 0)  # no hover highlight in the picture
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert not errors, errors  # e.g. nothing refused by the content security policy
    # and logging out and in again (each renews the CSRF token) leaves every form working
    await page.click(".account >> text=Log out")
    await page.wait_for_selector(".account >> text=Log in")
    await page.goto(f"{base}/login")
    await page.fill("#email", address)
    await page.fill("#password", "correct horse battery")
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_selector("text=Welcome, Ann")
    await page.goto(f"{base}/movies")
    await page.click("label[for=m4-2]")
    await page.wait_for_function("() => document.querySelector('#movie-4').innerText.includes('1 of 5 stars')")
    assert not errors, errors
    await context.close()


async def test_without_javascript_the_same_flow_works_with_plain_forms(server):
    browser, base, mailbox = server
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await _sign_up(page, base, "Bea", _link_from(mailbox))
    await page.goto(f"{base}/movies")
    # the fourth star of "Clueless", then the form's own button
    await page.click("label[for=m4-8]")
    async with page.expect_navigation():
        await page.click("#movie-4 .stars-form button.save")
    assert page.url == f"{base}/movies"
    assert "4 of 5 stars" in await page.inner_text("#movie-4")
    # and "not interested" takes it off the list
    async with page.expect_navigation():
        await page.click("#movie-4 >> text=Not interested")
    assert "Clueless" not in await _order(page)
    await context.close()


async def test_the_language_switch_works_with_and_without_javascript(server):
    browser, base, _ = server
    for javascript in (True, False):
        # given a visitor whose browser asks for English, on a filtered list
        context = await browser.new_context(java_script_enabled=javascript, locale="en-GB")
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        await page.goto(f"{base}/movies?genre=Drama")
        assert await page.get_attribute("html", "lang") == "en"
        # when they press "Français" in the footer (htmx asks for a full load; without JS, a plain form)
        async with page.expect_navigation():
            await page.click("footer >> text=Français")
        # then the same page comes back whole, in French, and stays so
        await page.wait_for_selector("html[lang=fr]")
        assert page.url == f"{base}/movies?genre=Drama" and await page.inner_text("h1") == "Films"
        await page.goto(f"{base}/")
        assert await page.get_attribute("html", "lang") == "fr" and not errors, errors
        await context.close()
    # and a browser that asks for French gets it from the first page
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{base}/about")
    assert await page.inner_text("h1") == "À propos de MyBigMovie"
    await context.close()
