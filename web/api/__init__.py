"""The JSON API under /api/v1 (docs/API.md): the catalog and search for anyone, a member's own data
by personal token. Its OpenAPI 3.1 description is generated from the handlers and their msgspec
types, served at /schema/openapi.json, and read as a page at /schema."""
from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from web.api.auth import caller
from web.api.catalog import CatalogApi
from web.api.docs_page import DocsPage
from web.api.member import MemberApi
from web.api.problems import HANDLERS


def api_router() -> Router:
    """Every API route: no session, no CSRF (nothing here reads a cookie), errors as problem details."""
    return Router(path="/api/v1", route_handlers=[CatalogApi, MemberApi], dependencies={"caller": Provide(caller)},
                  exception_handlers=HANDLERS, include_in_schema=True, opt={"exclude_from_csrf": True})


def openapi_config() -> OpenAPIConfig:
    token = SecurityScheme(type="http", scheme="bearer", bearer_format="mbm_…",
                           description="A personal API token, made and revoked on /me")
    return OpenAPIConfig(
        title="MyBigMovie API", version="1.0.0", path="/schema",
        description="The catalog and search for anyone; a member's recommendations, ratings, history and export "
                    "with a personal token. Errors are RFC 9457 problem details. See docs/API.md.",
        components=Components(security_schemes={"token": token}),
        render_plugins=[DocsPage(path="/"), JsonRenderPlugin(path="/openapi.json")])
