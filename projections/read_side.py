"""The read side: every read the web, the workers, the e-mails and the CLI make of the read models.

Catalog reads (titles, shows with their episodes, popular orders, genres, search) are answered from
the process's ``HotCatalog`` in memory. A member's own data is one small read of their profile
(``user_profiles``), kept by ``MemberCache`` until the profile changes; after a member's command
(which waits for the projector) their next page shows it. Filters are built from typed values only. Personal fields
are opened with the member's key (``commands.keyring``); an erased member reads as nobody.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from base64 import b64decode
from typing import AsyncIterator, Iterable

import numpy as np
from pymongo.asynchronous.collection import AsyncCollection

from commands.keyring import Keyring
from domain.events import Sealed
from projections.api_tokens import NAME as API_TOKENS, ApiToken, tokens_of
from projections.catalog_port import MOVIES, SHOWS
from projections.history import (NAME as HISTORY, HistoryEntry, HistoryKind, HistoryPage, RatedTitle, current_ratings,
                                  entries as history_entries, page_of as history_page_of)
from projections.hot_catalog import HotCatalog
from projections.mailings import NAME as MAILINGS, STATES as MAILING_STATES
from projections.member_cache import MemberCache
from projections.registry import Registry
from projections.search import search
from projections.user_profiles import NAME as PROFILES
from projections.views import Credentials, Member, MovieFilter, Show, ShowFilter, Title


@dataclass(frozen=True)
class Listing:
    titles: list[Title]
    ids: np.ndarray  # the titles' ids, in the same order
    key: tuple  # the same while the listing is: what is derived from it is kept by it


class ReadSide:
    def __init__(self, registry: Registry, catalog: HotCatalog, keyring: Keyring) -> None:
        self.registry, self.catalog, self.keyring = registry, catalog, keyring
        self.members: MemberCache[Member] = MemberCache(registry, catalog.max_staleness)
        # Each member's live API tokens (every API request checks one), followed the same way.
        self._tokens: MemberCache[list[ApiToken]] = MemberCache(registry, catalog.max_staleness, size=10_000,
                                                                read_model=API_TOKENS)
        self._serving: tuple[float, str] | None = None  # (when resolved, collection) of user_profiles

    # --- members ---------------------------------------------------------------------------------

    async def _profiles(self, again: bool = False) -> AsyncCollection:
        """The collection serving user_profiles, resolved at most every ``catalog.max_staleness``
        seconds (a replay switches it rarely; ``_profile`` asks again when a profile is missing)."""
        if again or self._serving is None or time.monotonic() - self._serving[0] > self.catalog.max_staleness:
            self._serving = (time.monotonic(), (await self.registry.active(PROFILES)).collection)
        return self.registry.database[self._serving[1]]

    async def _profile(self, user_id: str) -> dict | None:
        """A member's profile: one small read (two just after a replay switched the collection)."""
        doc = await (await self._profiles()).find_one({"_id": user_id})
        return doc if doc is not None else await (await self._profiles(again=True)).find_one({"_id": user_id})

    async def member(self, user_id: str, at_least: int = 0) -> Member | None:
        """The verified, undeleted member with this id (personal fields opened), else None; kept in
        memory (``MemberCache``) and read again when older than position ``at_least``."""
        return await self.members.get(user_id, lambda: self._member(user_id), at_least)

    async def ping(self) -> None:
        """Raises unless the database answers (the readiness probe)."""
        await self.registry.database.command("ping")

    def forget(self, user_id: str) -> None:
        """This process's copy of the member is out of date (after their command)."""
        self.members.forget(user_id)
        self._tokens.forget(user_id)

    async def _member(self, user_id: str) -> Member | None:
        doc = await self._profile(user_id)
        if not doc or doc.get("deleted") or not doc.get("verified"):
            return None
        personal = await self._personal(doc)
        return Member.from_profile(doc, personal) if personal else None

    async def credentials(self, email: str) -> Credentials | None:
        """The account holding this address, for logging in and the account e-mails; kept apart
        from Member, so no page ever holds a password hash."""
        user_id = await self.keyring.owner(email)
        # Read a profile even for an unknown address, so both cost the same round trips.
        doc = await self._profile(user_id) if user_id else await (await self._profiles()).find_one({"_id": "~nobody"})
        personal = await self._personal(doc) if doc and not doc.get("deleted") else None
        if not personal:
            return None
        return Credentials(user_id=user_id, email=personal["email"], display_name=personal["display_name"],
                           password_hash=personal["password_hash"], verified=bool(doc.get("verified")),
                           email_version=int(doc["email_version"]), password_version=int(doc["password_version"]),
                           session_epoch=int(doc.get("session_epoch", 0)))

    async def verified_members(self) -> AsyncIterator[str]:
        """The id of every member whose address is confirmed (the weekly e-mail's list)."""
        async for profile in (await self._profiles()).find({"verified": True}, projection={"_id": 1}):
            yield profile["_id"]

    async def operators(self) -> list[Member]:
        """Every member holding the operator role."""
        found = []
        async for doc in (await self._profiles()).find({"operator": True}, projection={"_id": 1}):
            if (member := await self.member(doc["_id"])) is not None:
                found.append(member)
        return found

    async def members_show_ratings(self) -> AsyncIterator[tuple[str, dict[int, float], dict[str, float]]]:
        """(user id, show ratings, episode ratings) of every member who rated a show or an episode."""
        query = {"$or": [{"counts.show_ratings": {"$gt": 0}}, {"counts.episode_ratings": {"$gt": 0}}]}
        async for p in (await self._profiles()).find(query, projection={"show_ratings": 1, "episode_ratings": 1}):
            yield p["_id"], {int(k): v for k, v in p["show_ratings"].items()}, dict(p["episode_ratings"])

    # --- mailings (the picks e-mails' outbox) ---------------------------------------------------------

    async def _mailings(self) -> AsyncCollection:
        return self.registry.database[(await self.registry.active(MAILINGS)).collection]

    async def unattended_mailings(self, before: datetime) -> AsyncIterator[tuple[str, str]]:
        """(user id, occasion) of every mailing nobody has touched since ``before``: planned and never
        claimed, or claimed under a lease that ran out with no outcome."""
        mailings = await self._mailings()
        for query in ({"state": "planned", "updated_at": {"$lt": before}},
                      {"state": "claimed", "claim_until": {"$lt": before}}):
            async for doc in mailings.find(query, projection={"user_id": 1, "occasion": 1}):
                yield doc["user_id"], doc["occasion"]

    async def mailing_counts(self, occasion: str) -> dict[str, int]:
        """How many of the occasion's mailings are in each state (planned, claimed, failed, sent, skipped)."""
        counts = dict.fromkeys(MAILING_STATES, 0)
        async for doc in (await self._mailings()).find({"occasion": occasion}, projection={"state": 1}):
            counts[doc["state"]] += 1
        return counts

    async def _personal(self, doc: dict) -> dict | None:
        """The profile's sealed fields opened and merged, newest kind last; None once erased."""
        merged: dict = {}
        for kind in ("signup", "email", "password"):
            if blob := doc.get("sealed", {}).get(kind):
                sealed = Sealed(nonce=b64decode(blob["nonce"]), data=b64decode(blob["data"]))
                if (opened := await self.keyring.open(doc["_id"], sealed)) is None:
                    return None
                merged.update(opened)
        return merged if {"email", "display_name", "password_hash"} <= merged.keys() else None

    # --- the catalog in bulk, for training (from the database: a worker holds no catalog) ---------

    async def titles_for_training(self) -> tuple[list[dict], list[dict]]:
        """(movies, shows): every listed title with what the model's prior needs."""
        fields = {"genres": 1, "year": 1, "directors": 1, "rating_count": 1, "rating_mean": 1, "popularity": 1}
        found = []
        for name in (MOVIES, SHOWS):
            collection = self.registry.database[(await self.registry.active(name)).collection]
            found.append(await collection.find({"listed": True}, projection=fields).to_list())
        return found[0], found[1]

    # --- the catalog, from memory ------------------------------------------------------------------

    async def catalog_version(self) -> int:
        """A number that moves on whenever anything of the catalog does (titles, orders, search)."""
        return (await self.catalog.fresh()).version

    async def movie(self, movie_id: int) -> Title | None:
        return (await self.catalog.fresh()).movies.get(movie_id)

    async def movies_by_id(self, ids: Iterable[int]) -> dict[int, Title]:
        movies = (await self.catalog.fresh()).movies
        return {i: movies[i] for i in ids if i in movies}

    async def popular_movies(self, where: MovieFilter = MovieFilter(), exclude: Iterable[int] = (),
                             skip: int = 0, limit: int = 24) -> list[Title]:
        """Listed movies matching ``where``, most popular first, ``exclude``'s ids left out."""
        titles, excluded = (await self.catalog.fresh()).popular_matching(where), frozenset(exclude)
        if not excluded:
            return titles[skip:skip + limit]
        return list(islice((title for title in titles if title.id not in excluded), skip, skip + limit))

    async def listing(self, where: MovieFilter) -> Listing:
        """Every listed movie matching ``where`` (or show, for a ``ShowFilter``), most popular first:
        a member's list is this whole listing in the model's order."""
        catalog = await self.catalog.fresh()
        where = replace(where, hide_rated=False)  # whose titles to hide is the member's, not the catalog's
        return Listing(catalog.popular_matching(where), catalog.ids_matching(where),
                       (type(where).__name__, where, catalog.version))

    async def best_genres(self, titles: Iterable[Title]) -> dict[tuple[str, int], tuple[str, int]]:
        """For each title, by (kind, id): the genre where it stands highest in the popular order, and
        its place there (``HotCatalog.best_genre``)."""
        catalog = await self.catalog.fresh()
        return {(t.kind, t.id): best for t in titles if (best := catalog.best_genre(t)) is not None}

    async def genres(self, kind: str = "movie") -> list[str]:
        """The genres of the listed movies (or shows, ``kind="show"``), for the lists' filters."""
        return [g for g in (await self.catalog.fresh()).genres(kind) if g != "(no genres listed)"]

    async def shows(self, where: ShowFilter = ShowFilter(), exclude: Iterable[int] = (), skip: int = 0,
                    limit: int = 24) -> list[Show]:
        """Listed shows matching ``where``, most popular first, ``exclude``'s ids left out."""
        titles, excluded = (await self.catalog.fresh()).popular_matching(where), frozenset(exclude)
        if not excluded:
            return titles[skip:skip + limit]  # type: ignore[return-value]
        return list(islice((title for title in titles if title.id not in excluded), skip, skip + limit))

    async def shows_by_id(self, ids: Iterable[int]) -> dict[int, Show]:
        shows = (await self.catalog.fresh()).shows
        return {i: shows[i] for i in ids if i in shows}

    async def show(self, show_id: int) -> Show | None:
        """The show with its seasons and episodes in order."""
        return (await self.catalog.fresh()).shows.get(show_id)

    async def search(self, text: str, limit: int = 20) -> tuple[list[Title], list[Title]]:
        """Titles matching ``text``, best match first: (movies, shows). Forgives a typo and an
        unfinished last word."""
        catalog = await self.catalog.fresh()
        found = {kind: search(catalog.index, text, kind=kind, per_page=limit).hits for kind in ("movie", "show")}
        return ([catalog.movies[h.id] for h in found["movie"] if h.id in catalog.movies],
                [catalog.shows[h.id] for h in found["show"] if h.id in catalog.shows])

    async def same_genres(self, movie: Title, exclude: Iterable[int], limit: int = 8) -> list[Title]:
        """Popular movies sharing most genres with ``movie``: "similar" while no model is trained."""
        if not movie.genres:
            return []
        mine, excluded = set(movie.genres), {movie.id, *exclude}
        catalog, pool = await self.catalog.fresh(), []
        for movie_id in catalog.popular("movie"):
            title = catalog.movies[movie_id]
            if movie_id not in excluded and mine & set(title.genres):
                pool.append(title)
                if len(pool) == 200:
                    break
        pool.sort(key=lambda t: -len(mine & set(t.genres)) / len(mine | set(t.genres)))  # stable: popularity breaks ties
        return pool[:limit]

    # --- a member's history and their export (projections/history.py) ------------------------------

    async def _history_rows(self, user_id: str) -> np.ndarray:
        """The member's history entries, oldest first: one read of their document (its packed index)."""
        collection = self.registry.database[(await self.registry.active(HISTORY)).collection]
        doc = await collection.find_one({"_id": user_id}, projection={"titles": 0})
        return history_entries(doc)

    async def history_page(self, user_id: str, kind: HistoryKind | None = None, before: int | None = None,
                           after: int | None = None, limit: int = 25) -> HistoryPage:
        """The member's own entries, newest first, ``limit`` of them: those older than position
        ``before``; else those just newer than ``after`` (the page before, going back up); else the
        newest. Of one ``kind`` only when given (an enum, never request text)."""
        return history_page_of(await self._history_rows(user_id), kind, before, after, limit)

    async def history_positions(self, user_id: str) -> np.ndarray:
        """The log positions of the member's events, oldest first (8 bytes each): the events export
        reads the events themselves from the log, a page at a time."""
        return (await self._history_rows(user_id))["position"].copy()

    async def rated_titles(self, user_id: str, page_size: int = 500) -> AsyncIterator[list[RatedTitle]]:
        """The member's current ratings (movies, shows, episodes) in the order given, from their
        history, a page at a time (the rest stay packed, 36 bytes each)."""
        rows = current_ratings(await self._history_rows(user_id))
        for start in range(0, len(rows), page_size):
            yield [RatedTitle.of(HistoryEntry.of(row)) for row in rows[start:start + page_size]]

    async def imdb_ids(self, kind: str, ids: Iterable[int]) -> dict[int, str]:
        """The IMDb ids the catalog links ``ids`` to (movies, or shows with ``kind="show"``), by id."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return {}
        generation = await self.registry.active(SHOWS if kind == "show" else MOVIES)
        collection = self.registry.database[generation.collection]
        return {int(doc["_id"]): str(doc["imdb_id"]) async for doc in
                collection.find({"_id": {"$in": wanted}}, projection={"imdb_id": 1}) if doc.get("imdb_id")}

    # --- members' API tokens (projections/api_tokens.py) -------------------------------------------

    async def api_tokens(self, user_id: str) -> list[ApiToken]:
        """The member's live API tokens, oldest first. Kept in memory like the member (``MemberCache``):
        a token revoked in another process stops working within ``catalog.max_staleness`` seconds,
        in this one at once (``forget`` after the member's command)."""
        async def read() -> list[ApiToken]:
            collection = self.registry.database[(await self.registry.active(API_TOKENS)).collection]
            return tokens_of(await collection.find_one({"_id": user_id}))
        return await self._tokens.get(user_id, read) or []

    async def api_token_names(self, user_id: str, tokens: Iterable[ApiToken]) -> dict[str, str]:
        """The names the member gave their tokens, by token id (opened with their key)."""
        names = {}
        for token in tokens:
            opened = await self.keyring.open(user_id, token.sealed_name)
            names[token.token_id] = str(opened.get("name", "")) if opened else ""
        return names

    async def open_sealed(self, user_id: str, sealed: Sealed) -> dict | None:
        """A member's sealed fields opened with their key (None once erased): for their own export."""
        return await self.keyring.open(user_id, sealed)
