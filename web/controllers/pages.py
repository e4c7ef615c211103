"""The home page, search, the about page and the model-status line."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template

from web.queries import Member, MovieFilter, Reads
from web.recommendations import ENOUGH_RATINGS, Recommender, for_you
from web.rendering import page, partial

TOP = 12


class PagesController(Controller):
    @get("/", name="home")
    async def home(self, request: Request, reads: Reads, recommender: Recommender,
                   member: Member | None) -> Template:
        if member is None:
            top = await reads.popular_movies(MovieFilter(), limit=TOP)
            return page(request, "pages/home.html", member=None, movies=top, onboarding=False)
        movies = await for_you(reads, recommender, member, TOP)
        return page(request, "pages/home.html", block="for_you", member=member, movies=movies,
                    onboarding=len(member.ratings) < ENOUGH_RATINGS, needed=ENOUGH_RATINGS - len(member.ratings),
                    model_status=recommender.status())

    @get("/search", name="search")
    async def search(self, request: Request, reads: Reads, member: Member | None,
                     q: Annotated[str, Parameter(max_length=200)] = "") -> Template:
        movies, shows = await reads.search(q) if q.strip() else ([], [])
        return page(request, "pages/search.html", block="results", member=member, q=q, movies=movies,
                    shows=shows)

    @get("/about", name="about")
    async def about(self, request: Request, member: Member | None, recommender: Recommender) -> Template:
        return page(request, "pages/about.html", member=member, model_status=recommender.status())

    @get("/status", name="status")
    async def status(self, recommender: Recommender) -> Template:
        """The model's status; while it is retraining the returned element polls this URL again."""
        return partial("partials/status.html", model_status=recommender.status())
