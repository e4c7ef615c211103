"""The operator page: only for members granted the role from the CLI; the queues and dead letters
with their errors, retry / re-send / purge behind CSRF-checked POSTs, each week's e-mail run."""
from __future__ import annotations

import asyncio
import dataclasses
from argparse import Namespace
from datetime import datetime, timezone

from mybigmovie import cli_operators, queue_ops
from tests.integration.test_queue_ops import broker, dead_mail, mailer, processed, running_worker, stats  # noqa: F401
from tests.integration.web_harness import csrf_token, form, join, web_client, web_services  # noqa: F401
from workers import outbox
from workers.scheduler import due_week


async def until(check, timeout: float = 5.0):
    """Poll ``check`` (async) until it answers something true: the site's projector is catching up."""
    for _ in range(int(timeout * 20)):
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the site did not catch up")


async def grant(services, email: str, operator: bool = True) -> int:
    return await cli_operators.run_set(Namespace(email=email, operator=operator), services)


async def test_only_operators_see_the_page_and_its_actions_work(web_services, mongo_url, smtp_inbox, broker, mailer):
    settings = dataclasses.replace(web_services.settings, queue_namespace=broker.namespace)
    dead_mail(broker, mailer, "bob@example.org")  # an SMTP outage left one dead letter
    async with web_client(settings, mongo_url, inbox=smtp_inbox) as site:
        assert (await site.get("/ops")).status_code == 303  # a visitor is sent to log in
        await join(site, "ann@example.org")
        assert (await site.get("/ops")).status_code == 404  # a member without the role: no such page
        assert "Operations" not in (await site.get("/me")).text
        assert await grant(web_services, "nobody@example.org") == 1
        assert await grant(web_services, "ann@example.org") == 0

        async def ops_page():
            answer = await site.get("/ops")
            return answer if answer.status_code == 200 else None
        page = await until(ops_page)
        assert "outbox" in page.text and "smtp down" in page.text and 'href="/ops"' in page.text
        [letter] = queue_ops.dead_letters(broker, "outbox")

        # an action without the page's CSRF token is refused and changes nothing
        forged = await site.post("/ops/retry", data={"queue": "outbox", "message_id": letter.message_id})
        assert forged.status_code == 403 and stats(broker).dead == 1
        # purging needs the box ticked
        refused = await site.post("/ops/purge-dead", data=form(page.text, "/ops/purge-dead"))
        assert refused.status_code == 303 and stats(broker).dead == 1
        assert "Tick the box" in (await site.get(refused.headers["location"])).text
        # retry puts it back, and with the SMTP server back it goes out
        retried = await site.post("/ops/retry", data=form(page.text, "/ops/retry"))
        assert retried.status_code == 303 and stats(broker).dead == 0
        mailer.down = False
        with running_worker(broker):
            processed(broker)
        assert mailer.sent == ["bob@example.org"]
        assert "back on its queue" in (await site.get(retried.headers["location"])).text

        # an unknown message id is one clear line, not a traceback
        gone = await site.post("/ops/retry", data={"_csrf_token": csrf_token(page.text), "queue": "default",
                                                   "message_id": "no-such-id"})
        assert "is not there any more" in (await site.get(gone.headers["location"])).text
        # and a crafted link puts no words of its own on the page
        assert "Pay now" not in (await site.get("/ops?error=Pay+now&done=Pay+now")).text

        # revoked: the page is gone again
        await grant(web_services, "ann@example.org", operator=False)

        async def gone_page():
            return (await site.get("/ops")).status_code == 404
        await until(gone_page)


async def test_the_page_counts_each_weeks_mailings(web_services, mongo_url, smtp_inbox, broker):
    settings = dataclasses.replace(web_services.settings, queue_namespace=broker.namespace)
    async with web_client(settings, mongo_url, inbox=smtp_inbox) as site:
        await join(site, "ann@example.org")
        await grant(web_services, "ann@example.org")
        user_id = await web_services.keyring.owner("ann@example.org")
        week, _ = due_week(datetime.now(timezone.utc))
        await outbox.plan(web_services, user_id, week)

        async def counted():
            answer = await site.get("/ops")
            return answer if answer.status_code == 200 and "<td>1</td>" in answer.text else None
        page = await until(counted)
        row = page.text[page.text.index(week):].split("</tr>")[0]
        assert [cell.split("<")[0] for cell in row.split("<td>")[1:]] == ["0", "0", "1", "0"]
