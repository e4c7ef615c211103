"""The public half of the API: the catalog (movies, shows, most popular first, with the web lists'
filters) and search. No token needed, as the pages need no log-in."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from projections.views import MovieFilter, ShowFilter
from web.api.models import MovieOut, SearchResults, ShowOut, TitleOut, TitlePage
from web.api.problems import documented
from web.deps import ReadsDep
from web.errors import Id
from web.lists import PAGE_SIZE

Genre = Annotated[str | None, QueryParameter(max_length=60, description="One of the list's genres, as in its titles")]
Decade = Annotated[int | None, QueryParameter(ge=1880, le=2020, multiple_of=10, description="1990: 1990 to 1999")]
Page = Annotated[int, QueryParameter(ge=1, le=10_000)]
Query = Annotated[str, QueryParameter(max_length=200, description="Title words, genres, years, decades")]


class CatalogApi(Controller):
    tags = ["catalog"]

    @get("/movies", responses=documented(422, 503), summary="Movies, most popular first")
    async def movies(self, reads: ReadsDep, genre: Genre = None, decade: Decade = None, page: Page = 1) -> TitlePage:
        found = await reads.popular_movies(MovieFilter(genre, decade), skip=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
        return _page([TitleOut.of(title) for title in found], page)

    @get("/movies/{movie_id:int}", responses=documented(404, 503), summary="A movie")
    async def movie(self, reads: ReadsDep, movie_id: Id) -> MovieOut:
        if (movie := await reads.movie(movie_id)) is None:
            raise NotFoundException(f"There is no movie with id {movie_id}.")
        return MovieOut.of(movie)

    @get("/shows", responses=documented(422, 503), summary="TV shows, most popular first")
    async def shows(self, reads: ReadsDep, genre: Genre = None, decade: Decade = None, page: Page = 1) -> TitlePage:
        found = await reads.shows(ShowFilter(genre, decade), skip=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
        return _page([TitleOut.of(show) for show in found], page)

    @get("/shows/{show_id:int}", responses=documented(404, 503), summary="A TV show with its seasons and episodes")
    async def show(self, reads: ReadsDep, show_id: Id) -> ShowOut:
        if (show := await reads.show(show_id)) is None:
            raise NotFoundException(f"There is no show with id {show_id}.")
        return ShowOut.of(show)

    @get("/search", responses=documented(422, 503), summary="Movies and shows for what was typed")
    async def search(self, reads: ReadsDep, q: Query) -> SearchResults:
        movies, shows = await reads.search(q) if q.strip() else ([], [])
        return SearchResults(movies=[TitleOut.of(t) for t in movies], shows=[TitleOut.of(t) for t in shows])


def _page(items: list[TitleOut], page: int) -> TitlePage:
    more = len(items) > PAGE_SIZE
    return TitlePage(items=items[:PAGE_SIZE], page=page, next_page=page + 1 if more else None)
