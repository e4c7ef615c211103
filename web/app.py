"""The web application factory: Litestar with Jinja2 pages, htmx, and the security the site needs."""
from __future__ import annotations

import asyncio
import contextlib
import gc
from pathlib import Path
from typing import AsyncContextManager, AsyncIterator, Callable

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from mybigmovie import queue_ops
from mybigmovie.bootstrap import Services
from mybigmovie.settings import Settings
from web import errors
from web.controllers.accounts import AccountsController
from web.controllers.movies import MoviesController
from web.controllers.pages import PagesController
from web.controllers.shows import ShowsController
from web.deps import dependencies
from mybigmovie.recommendations import Recommender
from web.rendering import environment
from web.account_mail import AccountMail
from web.api import api_router, openapi_config
from web.api.auth import TokenLimits
from web.api.problems import api_aware
from web.controllers.api_tokens import ApiTokensController
from web.controllers.health import HealthController
from web.controllers.history import HistoryController
from web.controllers.mail_links import MailLinksController
from web.controllers.me import MeController
from web.controllers.ops import OpsController
from web.controllers.ratings_import import RatingsImportController
from web import locale
from web.page_cache import PageCache
from web.security import (IDLE_SECONDS, MemberSessions, RotatingSessionConfig, cookie_name, csrf_bound_to_session,
                          security_headers)
from web.import_jobs import ImportJobs
from web.throttle import Throttle
from mybigmovie.mail_links import MailLinks
from mybigmovie.tokens import LinkTokens

STATIC = Path(__file__).parent / "static"


async def _before_request(request) -> None:
    locale.begin(request)  # the language first: whatever answers this request speaks it
    await csrf_bound_to_session(request)


def create_app(services_factory: Callable[[], AsyncContextManager[Services]], settings: Settings, *,
               run_projector: bool = True, redis_namespace: str | None = None, debug: bool = False) -> Litestar:
    """The site. ``services_factory`` is entered for the app's lifetime (``lambda: nullcontext(services)``
    to share services the caller owns); with ``run_projector`` the read models are kept current by a
    background task, which read-your-writes after every command relies on. Sessions and throttles
    live in Redis under ``redis_namespace``, by default one per database: two sites sharing a
    Redis never share a session or a throttle count."""
    redis_namespace = redis_namespace or f"mybigmovie:{settings.database}"
    https = settings.site_url.startswith("https://")
    # Time-outs, so a Redis that stops answering costs a page a 503 within seconds, not a hang.
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=2)
    state = State({"redis": redis, "throttle": Throttle(redis, f"{redis_namespace}:throttle"),
                   "member_sessions": MemberSessions(redis, f"{redis_namespace}:member-sessions"),
                   # Ratings imports: their status and reports (any process), the tasks running here,
                   # and a gate letting this process run one at a time.
                   "ratings_import_jobs": ImportJobs(redis, f"{redis_namespace}:ratings-import"),
                   "ratings_import_tasks": set(), "ratings_import_gate": asyncio.Semaphore(1),
                   "api_limits": TokenLimits(redis, f"{redis_namespace}:api", settings.api_requests_per_minute),
                   "page_cache": PageCache()})

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with services_factory() as services:
            app.state.services = services
            tokens = LinkTokens(settings.secret_key)
            app.state.account_mail = AccountMail(services.mailer, tokens, settings.mail_from, settings.site_url)
            app.state.mail_links = MailLinks(tokens, settings.site_url)
            app.state.recommender = Recommender(services.settings.model_dir)
            app.state.queues = queue_ops.operator_broker(settings)  # for the operator page
            await services.reads.catalog.refresh()  # the catalog in memory now, not on the first visitor's page
            # The catalog is a million long-lived objects: out of the collector's reach, a full
            # collection no longer walks them all in the middle of somebody's page.
            gc.collect()
            gc.freeze()
            task = asyncio.create_task(services.projector.run_forever(poll_seconds=0.5)) if run_projector else None
            try:
                yield
            finally:
                if task:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await redis.aclose()
                app.state.queues.client.close()

    sessions = RotatingSessionConfig(store="sessions", key=cookie_name("mbm_session", https), secure=https,
                                     httponly=True, samesite="lax", max_age=IDLE_SECONDS,
                                     exclude=["^/static/", "^/api/", "^/schema"])  # the API never reads a session
    return Litestar(
        route_handlers=[PagesController, MoviesController, ShowsController, AccountsController, MeController,
                        MailLinksController, HealthController, OpsController, HistoryController,
                        RatingsImportController, locale.LanguageController,
                        ApiTokensController, api_router(),
                        create_static_files_router(path="/static", directories=[STATIC], name="static")],
        dependencies=dependencies,
        lifespan=[lifespan],
        state=state,
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_name=cookie_name("mbm_csrf", https), cookie_secure=https,
                               cookie_httponly=True, cookie_samesite="lax", header_name="x-csrftoken"),
        middleware=[sessions.middleware],
        stores={"sessions": RedisStore(redis, namespace=f"{redis_namespace}:sessions")},
        before_request=_before_request,
        before_send=[security_headers(https), locale.content_language],
        exception_handlers=api_aware(errors.handlers),  # problem details under /api (web/api/problems.py)
        # Forms are a few hundred bytes; a longer body gets 413 as it streams in, even before the CSRF
        # middleware parses the form, so it is never held in memory.
        request_max_body_size=64 * 1024,
        openapi_config=openapi_config(),  # /schema and /schema/openapi.json: the API's routes only
        include_in_schema=False,
        debug=debug,
    )
