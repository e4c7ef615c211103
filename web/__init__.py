"""The web site: a Litestar app serving Jinja2 pages that htmx enhances (every page works without JavaScript)."""
