"""Rendering: one template file per page, and the same URL answering htmx with one block of it.

A page template names the blocks htmx may ask for; ``page()`` renders the whole page for a
browser and just that block for an htmx request that targets it (not for a boosted navigation or
a history restore, which need the whole page).
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, Response
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template
from markupsafe import Markup

from mybigmovie import i18n, i18n_jinja
from mybigmovie.email_picks import stars as stars_glyphs
from projections.views import MovieFilter, Show, ShowFilter, Title
from web.fragments import Fragments, TitleState, new_command_id

TEMPLATES = Path(__file__).parent / "templates"
# A page differs by htmx, by language (the browser's, or the choice in the language cookie) and session.
VARY = {"Vary": "HX-Request, Accept-Language, Cookie", "Cache-Control": "no-cache, private"}


def environment() -> Environment:
    # auto_reload off: templates change with a deploy, not while serving; on, every include of every
    # card stats its file (a member's movies page includes ~100 templates).
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    i18n_jinja.install(env)
    env.globals.update(new_command_id=new_command_id, half_stars=half_stars, languages=i18n.NAMES,
                       here=pass_context(lambda context: request_path(context["request"])))
    env.filters["stars"] = lambda rating: i18n.decimal(rating) if rating is not None else ""
    env.filters["thousands"] = i18n.number
    env.filters["glyphs"] = stars_glyphs
    env.globals["genre_list"] = lambda kind, genre: (ShowFilter if kind == "show" else MovieFilter)(genre).url()
    install_widgets(env, Fragments(env))
    return env


def half_stars() -> list[tuple[float, str]]:
    """The ten choices of a rating, (value, words): (0.5, "0.5 stars") … (5.0, "5 stars")."""
    return [(x / 2, i18n.stars(x / 2)) for x in range(1, 11)]


NO_HOLES = {"csrf": "", "back": "", "back_query": "", "rank": ""}  # for fragments without per-request values
HOLES_KEY = "mybigmovie.page_holes"  # where a request keeps its cards' per-page values


def install_widgets(env: Environment, fragments: Fragments) -> None:
    """The globals that render the lists' cards and rating widgets through ``fragments``: the
    template for what they show, the cache for the cost (see web/fragments.py)."""

    def holes(context: Context, rank: int | None = None) -> dict[str, str]:
        back = context.get("back") or request_path(context["request"])
        # The same for every card of a page: worked out once per request and kept in its scope.
        scope = getattr(context["request"], "scope", None)
        page = scope.get(HOLES_KEY) if scope is not None else None
        if page is None or page["back"] != back:
            page = {"csrf": context.call(context.resolve("csrf_token")), "back": back,
                    "back_query": env.filters["urlencode"](back)}
            if scope is not None:
                scope[HOLES_KEY] = page
        return {**page, "rank": "" if rank is None else str(rank)}

    @pass_context
    def guess(context: Context, title: Title) -> Markup:
        """What the model thinks of ``title`` for this visitor (the page's ``guesses``, see
        ``web.lists.guesses``), as a line of its own: kept per (title, guess), shared by members."""
        found = (context.get("guesses") or {}).get((title.kind, title.id))
        if found is None:
            return Markup("")
        return fragments.render("partials/guess.html", (title.kind, title.id, found), {"title": title, "guess": found},
                                NO_HOLES)

    @pass_context
    def movie_card(context: Context, movie: Title, rank: int) -> Markup:
        state = TitleState.of(context.get("member"), movie.id)
        return fragments.render("partials/movie_card.html", (movie, state), {"movie": movie, "state": state},
                                {**holes(context, rank), "guess_line": guess(context, movie)})

    @pass_context
    def movie_actions(context: Context, movie: Title, error: str | None = None) -> Markup:
        state = TitleState.of(context.get("member"), movie.id)
        variables = {"movie": movie, "state": state, "error": error}
        if error:  # a one-off: not kept
            return fragments.render_once("partials/movie_actions.html", variables, holes(context))
        return fragments.render("partials/movie_actions.html", (movie.id, state), variables, holes(context))

    @pass_context
    def show_card(context: Context, show: Show, rank: int) -> Markup:
        card = show.as_title()  # hashable, unlike a show with its seasons: the key is what the card shows
        state = TitleState.of_show(context.get("member"), show.id)
        return fragments.render("partials/show_card.html", (card, state), {"show": card, "state": state},
                                {**holes(context, rank), "guess_line": guess(context, card)})

    def show_widget(context: Context, show_id: int, episode: tuple[int, int] | None, error: str | None) -> Markup:
        state = TitleState.of_show(context.get("member"), show_id, episode)
        variables = {"show_id": show_id, "episode": episode, "state": state, "error": error}
        if error:
            return fragments.render_once("partials/show_actions.html", variables, holes(context))
        return fragments.render("partials/show_actions.html", (show_id, episode, state), variables, holes(context))

    def rated_row(movie: Title, rating: float) -> Markup:
        return fragments.render("partials/rated_row.html", (movie, rating), {"movie": movie, "rating": rating},
                                NO_HOLES)

    env.globals.update(
        guess=guess, movie_card=movie_card, movie_actions=movie_actions, rated_row=rated_row, show_card=show_card,
        show_actions=pass_context(lambda context, show, error=None: show_widget(context, show.id, None, error)),
        episode_actions=pass_context(lambda context, show, episode: show_widget(context, show.id, episode, None)))


def wants_fragment(request: Request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page(request: Request, template: str, *, block: str | None = None, status_code: int = 200,
         **context) -> Template:
    """``template`` as a whole page, or only its ``block`` when htmx asks for a fragment."""
    if block and wants_fragment(request):
        return HTMXBlockTemplate(template_name=template, block_name=block, context=context,
                                 status_code=status_code, headers=VARY)
    return Template(template_name=template, context=context, status_code=status_code, headers=VARY)


def partial(template: str, *, status_code: int = 200, trigger: str | None = None, **context) -> Template:
    """A partial template on its own, answering an htmx request; ``trigger`` fires an event in the page."""
    return HTMXTemplate(template_name=template, context=context, status_code=status_code, trigger_event=trigger,
                        after="receive" if trigger else None, headers=VARY)


def see_other(location: str) -> Redirect:
    """After a form POST: the browser GETs ``location`` (post/redirect/get)."""
    return Redirect(location, status_code=303)


def reload_at(request: Request, location: str) -> Response:
    """After a form POST that changes who the visitor is (log-in, log-out, a new password): the page
    at ``location`` loaded whole. A boosted htmx request would swap only the <body>'s content and keep
    the CSRF token of the page before (in <body hx-headers>), which the new session no longer
    accepts; so htmx is told to navigate (HX-Redirect), and a browser without it gets the 303."""
    if request.headers.get("HX-Request") == "true":
        return Response(content=None, status_code=200, headers={"HX-Redirect": location})
    return see_other(location)


def request_path(request: Request) -> str:
    """This request's path and query: where a form on the page sends the browser back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path
