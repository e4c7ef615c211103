"""The home page, search, the about page and the model-status line."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template

from web.deps import MemberDep, ReadsDep, RecommenderDep
from web.lists import ENOUGH_RATINGS, for_you, guesses, shows_for_you
from web.page_cache import cached_page
from web.rendering import page, partial
from projections.query_words import understand
from projections.views import MovieFilter

TOP = 12


class PagesController(Controller):
    @get("/", name="home")
    async def home(self, request: Request, reads: ReadsDep, recommender: RecommenderDep,
                   member: MemberDep) -> Response:
        async def visitors() -> dict:
            top = await reads.popular_movies(MovieFilter(), limit=TOP)
            return dict(movies=top, onboarding=False, guesses=await guesses(reads, recommender, None, top))

        async def members() -> dict:
            movies = await for_you(reads, recommender, member, TOP)
            shows = await shows_for_you(reads, recommender, member)
            return dict(movies=movies, shows=shows, onboarding=len(member.ratings) < ENOUGH_RATINGS,
                        needed=ENOUGH_RATINGS - len(member.ratings), model_status=recommender.status(),
                        guesses=await guesses(reads, recommender, member, movies, shows))
        if member is None:
            return await cached_page(request, "pages/home.html", member=None, context=visitors)
        return await cached_page(request, "pages/home.html", block="for_you", member=member, context=members)

    @get("/search", name="search")
    async def search(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                     q: Annotated[str, QueryParameter(max_length=200)] = "") -> Response:
        """Titles for what was typed, with what was understood besides title words ("Comedy",
        "1980s") as chips, each a link to the same search without it."""
        async def context() -> dict:
            movies, shows = await reads.search(q) if q.strip() else ([], [])
            query = understand(q)
            understood = [(part, query.without(i)) for i, part in enumerate(query.parts)]
            return dict(q=q, movies=movies, shows=shows, understood=understood, title_words=query.words,
                        guesses=await guesses(reads, recommender, member, movies, shows))
        return await cached_page(request, "pages/search.html", block="results", member=member, context=context)

    @get("/about", name="about")
    async def about(self, request: Request, member: MemberDep, recommender: RecommenderDep) -> Template:
        return page(request, "pages/about.html", member=member, model_status=recommender.status())

    @get("/status", name="status")
    async def status(self, recommender: RecommenderDep) -> Template:
        """The model's status; while it is retraining the returned element polls this URL again."""
        return partial("partials/status.html", model_status=recommender.status())
