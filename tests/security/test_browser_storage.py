"""Attack: what a shared computer keeps after the member has logged out (a real Chromium).

Member pages are sent ``Cache-Control: no-store`` so the browser's cache keeps no copy. But htmx,
with ``hx-boost`` on every page, keeps its own history cache of the last pages' HTML in the tab's
``sessionStorage`` (``htmx-history-cache``) so that Back can restore them without a request. This
checks that, once she has logged out, nothing of her account is left in the tab's storage for the
next person at the keyboard (ASVS 5.0 14.3.1, 14.3.3). It is an expected failure today.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.web_harness import PASSWORD
from tests.members import new_member
from tests.security.conftest import MEMBER

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
async def member_first(web_services):
    await new_member(web_services.handlers, MEMBER, "Ann", PASSWORD)
    await web_services.projector.run_once()


@pytest.fixture
async def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs it)")
    from playwright import async_api as playwright
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


STORED = "() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"


async def test_nothing_of_a_members_pages_stays_in_the_tab_after_log_out(member_first, served, chromium):
    base_url, _ = served
    page = await chromium.new_page()
    # Given a member who logs in, looks at her account page and then goes to the home page
    await page.goto(f"{base_url}/login")
    await page.fill("#email", MEMBER)
    await page.fill("#password", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_selector("text=Welcome, Ann")
    await page.goto(f"{base_url}/me/account")
    await page.wait_for_selector(f"text={MEMBER}")
    await page.click("a.brand")  # a boosted link: htmx keeps the page it leaves in its history cache
    await page.wait_for_url(f"{base_url}/")
    # when she logs out
    await page.click("form[action='/logout'] button")
    await page.wait_for_selector("a[href='/login']")
    # then the tab's storage holds nothing of her pages
    stored = await page.evaluate(STORED)
    await page.close()
    assert MEMBER not in stored, "her e-mail address is still in the tab's storage after log-out"
