"""The API's documentation page at /schema: the operations of the generated OpenAPI description,
written out as plain HTML from it. Litestar's own viewers (Swagger UI, ReDoc, …) load their
JavaScript from CDNs, which a self-hosted site cannot count on and its content security policy
('self' only) refuses anyway; this page needs nothing but the description itself."""
from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from markupsafe import Markup, escape

METHODS = ("get", "put", "post", "delete", "patch")


class DocsPage(OpenAPIRenderPlugin):
    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        info = openapi_schema.get("info", {})
        parts = [Markup("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{0}</title>"
                        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                        "<link rel='stylesheet' href='/static/site.css'></head><body><main class='content'>"
                        "<h1>{0} {1}</h1><p>{2}</p><p>The whole description, for tools: "
                        "<a href='/schema/openapi.json'>/schema/openapi.json</a> (OpenAPI {3}).</p>").format(
            info.get("title", "API"), info.get("version", ""), info.get("description", ""),
            openapi_schema.get("openapi", ""))]
        for path, item in openapi_schema.get("paths", {}).items():
            for method in METHODS:
                if operation := item.get(method):
                    parts.append(_operation(method, path, operation))
        parts.append(Markup("</main></body></html>"))
        return str(Markup("").join(parts)).encode()


def _operation(method: str, path: str, operation: dict) -> Markup:
    token = Markup(" <em>(token)</em>") if operation.get("security") else ""
    params = Markup("").join(
        Markup("<li><code>{}</code> in {}{}</li>").format(p.get("name"), p.get("in"), " (required)" if p.get("required")
                                                           else "") for p in operation.get("parameters", []))
    answers = ", ".join(sorted(operation.get("responses", {})))
    return Markup("<section><h2><code>{} {}</code>{}</h2><p>{}</p>{}<p>Answers: {}</p></section>").format(
        method.upper(), path, token, operation.get("summary", ""),
        Markup("<ul>{}</ul>").format(params) if params else "", answers)
