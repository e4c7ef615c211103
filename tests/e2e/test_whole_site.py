"""``mybigmovie serve`` as ``make run`` starts it — web, worker, scheduler and the local mailbox —
with a member signing up in Chromium, confirming their address from the e-mail in var/mail, and
their welcome e-mail arriving there too."""
from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import uuid

import pytest

from mybigmovie import bootstrap
from tests.conftest import link_in
from tests.e2e.test_browser import ARGS, CHROMIUM, ROOT, _free_port, _sign_up, _wait_until_up
from tests.integration.web_harness import CATALOG, REDIS_URL, movie_listed, seed, web_settings

pytestmark = pytest.mark.e2e


def _mail(directory) -> list[email.message.EmailMessage]:
    """The messages the local mailbox has filed so far, oldest first."""
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(directory.glob("*.eml"))]


async def _wait_for_mail(directory, subject: str, timeout: float = 60) -> list[email.message.EmailMessage]:
    for _ in range(int(timeout * 10)):
        if found := [m for m in _mail(directory) if subject in m["Subject"]]:
            return found
        await asyncio.sleep(0.1)
    return []


async def test_a_new_member_gets_a_welcome_email_with_five_picks(mongo_url, tmp_path):
    from playwright.async_api import async_playwright

    port, smtp_port = _free_port(), _free_port()
    settings = web_settings(f"site_{uuid.uuid4().hex[:10]}", tmp_path, port)
    async with bootstrap.services(settings, mongo_url) as services:
        await seed(services, [movie_listed(movie) for movie in CATALOG])
        env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": settings.database,
               "MYBIGMOVIE_PORT": str(port), "MYBIGMOVIE_VAR_DIR": str(tmp_path), "SMTP_PORT": str(smtp_port),
               "SECRET_KEY": settings.secret_key, "REDIS_URL": REDIS_URL,
               "MYBIGMOVIE_QUEUE_NAMESPACE": f"mybigmovie-e2e-{uuid.uuid4().hex[:8]}"}
        env.pop("SMTP_HOST", None)
        log_path = tmp_path / "serve.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "mybigmovie.cli", "serve"], cwd=ROOT, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
            try:
                base = f"http://127.0.0.1:{port}"
                await _wait_until_up(base, process, log_path)
                inbox = tmp_path / "mail"

                async def confirmation_link(address: str) -> str:
                    [message] = await _wait_for_mail(inbox, "Confirm your e-mail")
                    assert message["To"] == address
                    return link_in(message, "/account/verify")
                async with async_playwright() as driver:
                    browser = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                    page = await browser.new_page()
                    await _sign_up(page, base, "Cleo", confirmation_link)  # signs up, confirms, logs in
                    await browser.close()
                await _wait_for_mail(inbox, "Welcome")
                messages = _mail(inbox)
            finally:
                process.send_signal(signal.SIGINT)  # Ctrl+C, as a person stops it
                process.wait(timeout=30)
            await services.client.drop_database(settings.database)
    output = log_path.read_text()
    assert "E-mails are kept in" in output and "started the worker" in output and "started the scheduler" in output
    # the confirmation link, then (once the address is confirmed) one welcome: nothing more
    assert len(messages) == 2, output[-3000:]
    confirm, welcome = messages
    assert "Confirm your e-mail" in confirm["Subject"] and confirm["To"].startswith("cleo-")
    assert "Welcome" in welcome["Subject"] and welcome["To"] == confirm["To"]
    text = welcome.get_body(("plain",)).get_content()
    assert sum(f". {movie.title} (" in text for movie in CATALOG) == 5
    assert "Traceback" not in output, output[output.find("Traceback") - 500:][:4000]
