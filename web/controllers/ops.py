"""The operator page: the workers' queues and dead letters, each week's e-mail run, the model.

Only for members granted the role (``mybigmovie operators grant EMAIL``); to anybody else it does not
exist (404). Every action is a CSRF-checked POST that lands back on the page with what it did, and is
logged with the operator's id. Redis calls are blocking (Dramatiq's client): they run in a thread.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import redis
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from mybigmovie import i18n, queue_ops
from mybigmovie.i18n import N_, gettext as _, ngettext
from mybigmovie.recommendations import trained_at
from projections.views import Member
from web.deps import MemberDep, ReadsDep, RecommenderDep, require
from web.forms import QueueForm, DeadLetterForm, PurgeForm, parse_form
from web.rendering import page, see_other
from workers.scheduler import due_week

log = logging.getLogger(__name__)
WEEKS_SHOWN = 6
DEAD_LETTERS_SHOWN = 20


@dataclass(frozen=True)
class WeekRun:
    occasion: str
    label: str
    counts: dict[str, int]

    @property
    def pending(self) -> int:
        return self.counts["planned"] + self.counts["claimed"]


def operator(member: Member | None) -> Member:
    """The member, if an operator; a 404 for everybody else (the page's existence is not a secret
    worth a different answer, but there is no reason to confirm it either)."""
    member = require(member)
    if not member.operator:
        raise NotFoundException()
    return member


class OpsController(Controller):
    path = "/ops"

    @get("/", name="ops")
    async def overview(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                       done: FromQuery[str] = "", error: FromQuery[str] = "", count: FromQuery[int] = 0) -> Template:
        who = operator(member)
        broker = request.app.state.queues
        try:
            queues = await asyncio.to_thread(queue_ops.queue_stats, broker)
            dead = {q.name: await asyncio.to_thread(queue_ops.dead_letters, broker, q.name, DEAD_LETTERS_SHOWN)
                    for q in queues if q.dead}
            redis_error = None
        except redis.RedisError as problem:
            queues, dead, redis_error = [], {}, _("Redis is not answering (%(error)s).") % {
                "error": type(problem).__name__}
        now = datetime.now(timezone.utc)
        weeks = [due_week(now - timedelta(weeks=back)) for back in range(WEEKS_SHOWN)]
        runs = [WeekRun(week, _("%(week)s (Monday %(day)s 08:00 UTC)") % {"week": week, "day": i18n.day(due, "d MMM")},
                        await reads.mailing_counts(week)) for week, due in weeks]
        runs.append(WeekRun("welcome", _("Welcome e-mails (all time)"), await reads.mailing_counts("welcome")))
        model = recommender.model()
        trained = trained_at(model.version) if model is not None else None
        return page(request, "pages/ops.html", member=who, queues=queues, dead=dead, redis_error=redis_error, runs=runs,
                    status=recommender.status(), model=model, trained=trained,
                    done=_done(done, count) if done in DONE else "",
                    error=_(ERRORS[error]) if error in ERRORS else "")

    @post("/retry", name="ops_retry")
    async def retry(self, request: Request, member: MemberDep) -> Redirect:
        who = operator(member)
        form = await parse_form(request, DeadLetterForm)
        return await _act(request, who, f"retried {form.message_id} on {form.queue}", "retried",
                          queue_ops.retry, form.queue, form.message_id)

    @post("/requeue-dead", name="ops_requeue_dead")
    async def requeue_dead(self, request: Request, member: MemberDep) -> Redirect:
        who = operator(member)
        form = await parse_form(request, QueueForm)
        return await _act(request, who, f"requeued the dead letters of {form.queue}", "requeued",
                          queue_ops.requeue_dead, form.queue)

    @post("/purge-dead", name="ops_purge_dead")
    async def purge_dead(self, request: Request, member: MemberDep) -> Redirect:
        who = operator(member)
        form = await parse_form(request, PurgeForm)
        if not form.confirm:
            return see_other("/ops?error=confirm")
        return await _act(request, who, f"purged the dead letters of {form.queue}", "purged",
                          queue_ops.purge, form.queue, True)


# What an action did, said on the page it lands back on: fixed sentences chosen by a code in the
# query, so a crafted link cannot put words of its own on an operator's page.
DONE = {"retried", "requeued", "purged"}


def _done(code: str, count: int) -> str:
    if code == "retried":
        return _("The message is back on its queue.")
    if code == "requeued":
        return ngettext("%(count)s dead letter is back on its queue.",
                        "%(count)s dead letters are back on their queue.", count) % {"count": count}
    return ngettext("%(count)s dead letter purged.", "%(count)s dead letters purged.", count) % {"count": count}


ERRORS = {"confirm": N_("Tick the box to confirm: purged dead letters are gone for good."),
          "unknown": N_("That queue or message is not there any more (another operator may have handled it)."),
          "redis": N_("Redis is not answering: nothing was changed.")}


async def _act(request: Request, who: Member, what: str, code: str, action, *args) -> Redirect:
    try:
        result = await asyncio.to_thread(action, request.app.state.queues, *args)
    except (queue_ops.UnknownQueue, queue_ops.UnknownMessage):
        return see_other("/ops?error=unknown")
    except redis.RedisError:
        return see_other("/ops?error=redis")
    log.warning("operator %s %s", who.user_id, what)
    return see_other("/ops?" + urlencode({"done": code, "count": result if isinstance(result, int) else 1}))
