"""The home page, search, the about page and the model-status line."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from web.deps import MemberDep, ReadsDep, RecommenderDep
from web.lists import ENOUGH_RATINGS, for_you, guesses, shows_for_you
from web.rendering import page, partial
from projections.query_words import understand
from projections.views import MovieFilter

TOP = 12


class PagesController(Controller):
    @get("/", name="home")
    async def home(self, request: Request, reads: ReadsDep, recommender: RecommenderDep,
                   member: MemberDep) -> Template:
        if member is None:
            top = await reads.popular_movies(MovieFilter(), limit=TOP)
            return page(request, "pages/home.html", member=None, movies=top, onboarding=False,
                        guesses=await guesses(reads, recommender, None, top))
        movies = await for_you(reads, recommender, member, TOP)
        shows = await shows_for_you(reads, recommender, member)
        return page(request, "pages/home.html", block="for_you", member=member, movies=movies, shows=shows,
                    onboarding=len(member.ratings) < ENOUGH_RATINGS, needed=ENOUGH_RATINGS - len(member.ratings),
                    model_status=recommender.status(), guesses=await guesses(reads, recommender, member, movies, shows))

    @get("/search", name="search")
    async def search(self, request: Request, reads: ReadsDep, recommender: RecommenderDep, member: MemberDep,
                     q: Annotated[str, QueryParameter(max_length=200)] = "") -> Template:
        """Titles for what was typed, with what was understood besides title words ("Comedy",
        "1980s") as chips, each a link to the same search without it."""
        movies, shows = await reads.search(q) if q.strip() else ([], [])
        query = understand(q)
        understood = [(part, query.without(i)) for i, part in enumerate(query.parts)]
        return page(request, "pages/search.html", block="results", member=member, q=q, movies=movies,
                    shows=shows, understood=understood, title_words=query.words,
                    guesses=await guesses(reads, recommender, member, movies, shows))

    @get("/about", name="about")
    async def about(self, request: Request, member: MemberDep, recommender: RecommenderDep) -> Template:
        return page(request, "pages/about.html", member=member, model_status=recommender.status())

    @get("/status", name="status")
    async def status(self, recommender: RecommenderDep) -> Template:
        """The model's status; while it is retraining the returned element polls this URL again."""
        return partial("partials/status.html", model_status=recommender.status())
