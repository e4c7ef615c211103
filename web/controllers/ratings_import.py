"""Importing a member's ratings from an IMDb or Letterboxd export: the upload, its progress, the
report, and matching by hand what the import could not.

The upload is read and checked at once (a file that is not an export is refused with a message and
changes nothing); the import then runs as a task of this web process, one at a time per process,
and writes its progress and its report to Redis (``web.import_jobs``), so the page polls it (htmx,
every second; without JavaScript, a link to refresh) from whichever process serves it.

The upload route is the one route that takes more than 64 KiB, and only as the file: its own limit
is ``MAX_FILE`` (5 MB) plus room for the form around it, and any other body over 64 KiB is refused
with the site's usual 413, as on every other route.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromQuery, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from commands import messages as m
from domain.errors import DomainError, InvalidInput
from mybigmovie.ratings_import import MATCHED, UNMATCHED, BadFile, parse
from mybigmovie.ratings_import.formats import LABELS
from mybigmovie.ratings_import.plan import Outcome
from mybigmovie.ratings_import.service import run_import
from web import errors
from web.deps import MemberDep, ReadsDep, ServicesDep, require, send
from web.forms import CommandForm, parse_form
from web.import_jobs import ImportJobs, Status
from mybigmovie.i18n import N_, gettext as _
from web import locale
from web.notices import notice
from web.rendering import page, reload_at, see_other, wants_fragment
from projections.title_names import title_names
from web.security import SESSION_SEEN

log = logging.getLogger(__name__)

MAX_FILE = 5 * 1024 * 1024
FORM_LIMIT = 64 * 1024  # what every other route takes (web/app.py)
UPLOAD_LIMIT = MAX_FILE + FORM_LIMIT
PER_PAGE = 100
FIELD = "ratings_file"
JobId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{32}$")]
TABS = {"unmatched": ("ambiguous", "missing"), "kept": ("kept",), "matched": ("added", "same", "manual"),
        "duplicate": ("duplicate",), "skipped": ("skipped",)}
Tab = Annotated[str, QueryParameter(pattern=r"^(" + "|".join(TABS) + r")?$")]
STAGES = {"waiting": N_("Waiting for another import to finish"), "matching": N_("Finding the titles in the catalog"),
          "saving": N_("Saving your ratings"), "updating": N_("Updating your lists")}


class MatchForm(CommandForm, kw_only=True):
    """A row of an import's report matched by hand: which title it is (rated with the file's rating)."""

    PROBLEM: ClassVar[str] = N_("Choose one of the titles, then press the button.")
    row: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    choice: Annotated[str, msgspec.Meta(pattern=r"^(movie|show):\d{1,15}$")]


class _NotAnUpload(HTTPException):
    """A body over the site's 64 KiB limit that is not the ratings file: refused as everywhere."""

    status_code = 413


def _too_big(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, _NotAnUpload):
        return errors.http_error(request, exc)
    locale.begin(request)  # refused as the body streams in, before the handler's hook
    return notice(request, N_("That file is too big"),
                  _("The import takes files up to %(mb)s MB. An export of ratings is far smaller "
                    "(10,000 ratings are under 1 MB): check that you chose the ratings file (IMDb: ratings.csv; "
                    "Letterboxd: ratings.csv inside the export's zip, unzipped). Nothing was imported.")
                  % {"mb": MAX_FILE // 2**20}, status_code=413, action=(N_("Back to the import"), "/me/import"))


def _jobs(request: Request) -> ImportJobs:
    return request.app.state.ratings_import_jobs


class RatingsImportController(Controller):
    path = "/me/import"

    @get("/", name="ratings_import")
    async def form_page(self, request: Request, reads: ReadsDep, member: MemberDep) -> Template:
        member = require(member)
        _background(request, title_names(reads))  # loaded (a first time: seconds) while the member picks a file
        return _form_page(request, member, latest=await _jobs(request).latest(member.user_id))

    @post("/", name="upload_ratings", request_max_body_size=UPLOAD_LIMIT, exception_handlers={413: _too_big})
    async def upload(self, request: Request, services: ServicesDep, member: MemberDep) -> Template | Redirect:
        form = await request.form()
        upload = form.get(FIELD)
        if not isinstance(upload, UploadFile) and _size(request, form) > FORM_LIMIT:
            raise _NotAnUpload()
        member = require(member)
        jobs = _jobs(request)
        if not isinstance(upload, UploadFile):
            return _form_page(request, member, error=_("Choose the file to import first."), status_code=422)
        data = await upload.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            return _too_big(request, HTTPException(status_code=413))  # type: ignore[return-value]
        try:
            parsed = await asyncio.to_thread(parse, data)
        except BadFile as problem:
            return _form_page(request, member, error=str(problem), status_code=422)
        latest = await jobs.latest(member.user_id)
        if latest is not None and latest.running:  # one at a time: the same file sent twice is one import
            return see_other(f"/me/import/{latest.id}")
        status = await jobs.create(member.user_id, parsed.source, upload.filename or "", len(parsed.rows))
        _background(request, _run(request, services, jobs, status, parsed))
        return see_other(f"/me/import/{status.id}")

    @get("/{job_id:str}", name="ratings_import_report")
    async def report(self, request: Request, member: MemberDep, job_id: JobId, show: Tab = "",
                     page_number: Annotated[int, QueryParameter(name="page", ge=1, le=10_000)] = 1) -> Response:
        member = require(member)
        status = await _own(request, member.user_id, job_id)
        if status.state == "running" and not status.stalled:
            return page(request, "pages/import_report.html", block="progress", member=member, status=status,
                        stage=_(STAGES.get(status.stage, status.stage)))
        if wants_fragment(request):  # the poll of a finished import: the whole report, as a page
            return reload_at(request, f"/me/import/{job_id}")
        outcomes = await _jobs(request).outcomes(job_id) if status.state == "done" else []
        return _report_page(request, member, status, outcomes, show, page_number)

    @post("/{job_id:str}/match", name="ratings_import_match")
    async def match(self, request: Request, services: ServicesDep, member: MemberDep,
                    job_id: Annotated[str, PathParameter(max_length=64)]) -> Response:
        """A row matched by hand: the chosen title rated with the file's rating, as its page would.
        The body is read first, so one over 64 KiB is refused (413) whatever the address says."""
        await request.form()
        member = require(member)
        jobs = _jobs(request)
        await _own(request, member.user_id, job_id)
        form = await parse_form(request, MatchForm)
        outcome = await jobs.outcome(job_id, form.row)
        if outcome is None:
            raise NotFoundException(_("That row is not in this import's report."))
        allowed = {choice for choice, _, _ in outcome.candidates}
        if outcome.status == "kept":
            allowed.add(outcome.choice)
        error = None
        try:
            if outcome.status == "manual" and form.choice == outcome.choice:
                pass  # sent twice (a double click): done already
            elif outcome.status not in ("ambiguous", "missing", "kept") or form.choice not in allowed:
                raise InvalidInput(N_("Choose one of the titles listed for this row."))
            else:
                await _rate(request, services, member.user_id, form, outcome)
        except DomainError as problem:
            error = str(problem)
        else:
            if outcome.status != "manual":
                chosen = next((c for c in outcome.candidates if c[0] == form.choice), None)
                outcome.status, outcome.choice, outcome.why = "manual", form.choice, ""
                if chosen:
                    outcome.matched_title, outcome.matched_year = chosen[1], chosen[2]
                await jobs.save_outcome(job_id, form.row, outcome)
        if wants_fragment(request):
            return page(request, "partials/import_row.html", status_code=422 if error else 200, member=member,
                        job_id=job_id, index=form.row, row=outcome, error=error)
        if error:
            status = await _own(request, member.user_id, job_id)
            return _report_page(request, member, status, await jobs.outcomes(job_id), "", 1, error=error)
        return see_other(f"/me/import/{job_id}?show={_tab_of(outcome, default='unmatched')}#row-{form.row}")


async def _rate(request: Request, services, user_id: str, form: MatchForm, outcome: Outcome) -> None:
    """The chosen title rated with the file's rating, as its page's form would (the form's command id)."""
    kind, title_id = form.choice.split(":")
    command = (m.RateMovie(command_id=str(form.command_id), user_id=user_id, movie_id=int(title_id),
                           rating=outcome.stars) if kind == "movie" else
               m.RateShow(command_id=str(form.command_id), user_id=user_id, show_id=int(title_id),
                          rating=outcome.stars))
    request.session[SESSION_SEEN] = await send(request, services, command)


# --- the import, in the background ------------------------------------------------------------------

def _background(request: Request, work) -> None:
    tasks: set = request.app.state.ratings_import_tasks
    task = asyncio.get_running_loop().create_task(work)
    tasks.add(task)  # held until done: the loop keeps only a weak reference

    def done(finished: asyncio.Task) -> None:
        tasks.discard(finished)
        if not finished.cancelled() and (problem := finished.exception()) is not None:
            log.warning("ratings import: background work failed: %s: %s", type(problem).__name__, problem)
    task.add_done_callback(done)


async def _run(request: Request, services, jobs: ImportJobs, status: Status, parsed) -> None:
    last = [0.0, ""]

    async def progress(stage: str, done: int, total: int) -> None:
        nonlocal status
        now = time.monotonic()
        if stage != last[1] or now - last[0] > 0.25 or done == total:
            last[:] = [now, stage]
            status = await jobs.update(status, stage=stage, done=done, total=total)

    gate: asyncio.Semaphore = request.app.state.ratings_import_gate
    try:
        while True:  # one import at a time in this process; the others wait, and say they are alive
            try:
                await asyncio.wait_for(gate.acquire(), timeout=10)
                break
            except TimeoutError:
                status = await jobs.update(status)
        try:
            result = await run_import(services.handlers, services.reads, services.projector, status.user_id, parsed,
                                      progress)
        finally:
            gate.release()
        await jobs.finish(status, result.outcomes, seconds=round(result.seconds, 1), settled=result.settled,
                          done=result.added, total=result.added)
    except DomainError as problem:
        await jobs.update(status, state="failed", message=str(problem))
    except Exception:  # the member gets a sentence, the log the traceback
        log.exception("ratings import %s failed", status.id)
        await jobs.update(status, state="failed", message=N_("Something broke on our side while importing. Ratings "
                          "saved so far stay; upload the file again to finish (nothing is recorded twice)."))


# --- pages ------------------------------------------------------------------------------------------

async def _own(request: Request, user_id: str, job_id: str) -> Status:
    status = await _jobs(request).status(job_id)
    if status is None or status.user_id != user_id:  # somebody else's import is nothing at this address
        raise NotFoundException(_("There is no import at this address (a report is kept for a day)."))
    return status


def _size(request: Request, form) -> int:
    announced = request.headers.get("content-length", "")
    values = sum(len(v) if isinstance(v, (str, bytes)) else 0 for _, v in form.multi_items())
    return max(int(announced) if announced.isdigit() else 0, values)


def _form_page(request: Request, member, latest: Status | None = None, error: str | None = None,
               status_code: int = 200) -> Template:
    return page(request, "pages/import.html", status_code=status_code, member=member, latest=latest, error=error,
                max_mb=MAX_FILE // 2**20, labels=LABELS)


def _tab_of(outcome: Outcome, default: str) -> str:
    return next((tab for tab, statuses in TABS.items() if outcome.status in statuses), default)


def _report_page(request: Request, member, status: Status, outcomes: list[Outcome], show: str, page_number: int,
                 error: str | None = None) -> Template:
    counts = {s: 0 for statuses in TABS.values() for s in statuses}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    tabs = {tab: sum(counts[s] for s in statuses) for tab, statuses in TABS.items()}
    show = show or next((tab for tab in ("unmatched", "matched") if tabs[tab]), "matched")
    rows = [(i, o) for i, o in enumerate(outcomes) if o.status in TABS[show]]
    pages = max(1, -(-len(rows) // PER_PAGE))
    page_number = min(page_number, pages)
    matched = sum(counts[s] for s in (*MATCHED, "manual"))
    rated = matched + sum(counts[s] for s in UNMATCHED)  # rows with a rating, of a movie or a show
    return page(request, "pages/import_report.html", status_code=422 if error else 200, member=member,
                status=status, label=LABELS.get(status.source, status.source), counts=counts, tabs=tabs, show=show,
                rows=rows[(page_number - 1) * PER_PAGE:page_number * PER_PAGE], page_number=page_number, pages=pages,
                matched=matched, rated=rated, share=round(100 * matched / rated) if rated else 0, error=error,
                job_id=status.id)
