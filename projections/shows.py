"""Shows: the listing, seasons and episodes, and ratings of the show and of each episode.

``episodes`` maps "season:episode" to the episode (the commands' catalog port checks that key).
Episodes no source names keep ``title: None``; ``label(episode)`` shows them as "Episode N".
Site users' ratings are kept per user (a user may rate a show again), and the figures follow
the movies' formula with IMDb's votes, rescaled to five stars, as the reference.
"""
from __future__ import annotations

from typing import Hashable, Iterable

from pymongo.asynchronous.collection import AsyncCollection

from domain import events as e
from projections.catalog_port import SHOWS
from projections.movies import catalog_indexes, listing_fields, rating_figures

IMDB_VOTES_PER_RATING = 25  # Shawshank: ~3M IMDb votes, ~120k ml-latest ratings


def empty_show(show_id: int) -> dict:
    return {"show_id": show_id, "listed": False, "title": None, "imdb_id": None, "year": None, "end_year": None,
            "genres": [], "summary": None, "network": None, "kind": None, "language": None, "runtime": None,
            "tvmaze_id": None, "tvmaze_rating": None, "imdb_rating": None, "imdb_votes": None, "source": None, "episodes": {},
            "seasons": [], "site_ratings": {}, "episode_site_ratings": {}}


class Shows:
    name = SHOWS

    def keys(self, event: e.Event) -> Iterable[Hashable]:
        match event:
            case (e.ShowListed() | e.ShowMetadataCorrected() | e.ShowRated() | e.EpisodeRated() | e.ShowRatingRemoved()
                  | e.EpisodeRatingRemoved()):
                return (event.show_id,)
        return ()

    def apply(self, document: dict | None, event: e.Event, key: Hashable) -> dict:
        show = document if document is not None else empty_show(key)
        match event:
            case e.ShowListed() | e.ShowMetadataCorrected():
                fields = listing_fields(event)
                if "episodes" in fields:
                    fields["episodes"] = {f"{entry[0]}:{entry[1]}": _episode(*entry) for entry in fields["episodes"]}
                show.update(fields)
                if isinstance(event, e.ShowListed):
                    show.update(listed=True, source=event.source)
            case e.ShowRated():
                show["site_ratings"][event.user_id] = event.rating
            case e.EpisodeRated():
                show["episode_site_ratings"].setdefault(f"{event.season}:{event.episode}", {})[event.user_id] = \
                    event.rating
            case e.ShowRatingRemoved():
                show["site_ratings"].pop(event.user_id, None)
            case e.EpisodeRatingRemoved():
                show["episode_site_ratings"].get(f"{event.season}:{event.episode}", {}).pop(event.user_id, None)
        return _derive(show)

    async def create_indexes(self, collection: AsyncCollection) -> None:
        await catalog_indexes(collection)


def _episode(season: int, number: int, title: str | None, airdate: str | None, imdb_rating: float | None,
             imdb_votes: int | None) -> dict:
    return {"season": season, "number": number, "title": title, "airdate": airdate, "imdb_rating": imdb_rating,
            "imdb_votes": imdb_votes}


def label(episode: dict) -> str:
    """How pages name an episode: its title, or "Episode N" when no source gives one (never a guess)."""
    return episode["title"] or f"Episode {episode['number']}"


def _derive(show: dict) -> dict:
    """Seasons and the rating figures of the show (and of the episodes site users rated)."""
    seasons: dict[int, dict] = {}
    for episode in show["episodes"].values():
        season = seasons.setdefault(episode["season"], {"number": episode["season"], "episodes": 0})
        season["episodes"] += 1
    for key, ratings in show["episode_site_ratings"].items():
        if key in show["episodes"]:
            episode = show["episodes"][key]
            episode["site"] = _figures(episode["imdb_rating"], episode["imdb_votes"], ratings)
    show["seasons"] = [seasons[number] for number in sorted(seasons)]
    show.update(_figures(show["imdb_rating"], show["imdb_votes"], show["site_ratings"]))
    return show


def _figures(imdb_rating: float | None, imdb_votes: int | None, site: dict[str, float]) -> dict:
    reference = {"count": imdb_votes, "mean": imdb_rating / 2} if imdb_rating and imdb_votes else None
    figures = rating_figures(reference, len(site), sum(site.values()))
    # On the movies' scale, so that one search can rank both: IMDb has ~25 voters per MovieLens rater.
    figures["popularity"] = (imdb_votes or 0) // IMDB_VOTES_PER_RATING + len(site)
    return {**figures, "site_rating_count": len(site)}
