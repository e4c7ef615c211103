"""What to recommend to one member: the application service shared by the web and the workers.

It joins the trained model (``recommender/``), the member's own events and the catalog read
models. With no trained model yet, picks fall back to damped-mean popularity, which is also the
recommender's answer for a member with no ratings.
"""
from __future__ import annotations

from dataclasses import dataclass

from domain.accounts import Account
from mybigmovie.bootstrap import Services
from projections.catalog_port import MOVIES

POOL = 2000  # candidates considered per request: the most-rated titles not yet seen


@dataclass(frozen=True)
class Pick:
    movie_id: int
    title: str
    year: int | None
    reason: str  # one line: why this movie, for this member


async def picks(services: Services, account: Account, k: int) -> list[Pick]:
    """The member's top ``k`` movies, leaving out what they rated or put aside."""
    movies = services.database[(await services.registry.active(MOVIES)).collection]
    exclude = {*account.ratings, *account.not_seen, *account.not_interested}
    pool = await movies.find({"listed": True, "rating_count": {"$gte": 20}},
                             projection={"title": 1, "year": 1, "damped_mean": 1, "rating_count": 1}
                             ).sort("damped_mean", -1).limit(POOL + len(exclude)).to_list()
    chosen = [movie for movie in pool if movie["_id"] not in exclude][:k]
    return [Pick(movie["_id"], movie["title"], movie.get("year"),
                 f"Rated {movie['damped_mean']:.1f} out of 5 by {movie['rating_count']:,} people.")
            for movie in chosen]
