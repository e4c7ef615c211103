"""A member's history (/me/history) and their export (/me/export/…), through the web app on the real
parts: the member's own events newest first, worded, with "changed from", paged and filtered by kind,
never another member's; gone with the account; the events as JSON Lines that validate against the
documented schema (web/export.py, docs/EXPORT.md) and round-trip the log; the ratings as CSV.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import re
import uuid
from datetime import datetime, timezone
from html import unescape

import msgspec
import pytest

from commands import messages as m
from domain import events as e
from commands.mongo_store import MongoEventStore
from domain.accounts import stream_for
from projections import history as ours
from projections.history import EVENTS, NAME as HISTORY, History, empty_history
from projections.registry import Registry
from projections.replay import replay
from projections.runner import catch_up
from tests.integration.web_harness import (CATALOG, PASSWORD, form, log_in, movie_listed, seed, web_client,
                                           web_services)  # noqa: F401 (a fixture)
from tests.members import new_member
from web.export import CSV_COLUMNS, ExportHeader, ExportLine, Opened

FARGO_MOVIE = e.MovieListed(event_id=str(uuid.uuid4()), stream="catalog-test-fargo", occurred_at=datetime.now(timezone.utc),
                            movie_id=7, title="Fargo", year=1996, genres=("Crime",), imdb_id="tt0116282", source="test")
FARGO_SHOW = e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test-show", occurred_at=datetime.now(timezone.utc),
                          show_id=2802850, title="Fargo", imdb_id="tt2802850", year=2014, genres=("Crime",),
                          episodes=(e.EpisodeEntry(1, 1, "The Crocodile's Dilemma", "2014-04-15"),
                                    e.EpisodeEntry(1, 2, None, "2014-04-22")), source="test")
SHOW = FARGO_SHOW.show_id


@pytest.fixture
async def site(web_services, mongo_url, smtp_inbox):
    await seed(web_services, [movie_listed(movie) for movie in CATALOG])
    await seed(web_services, [FARGO_MOVIE])
    await seed(web_services, [FARGO_SHOW])
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


async def do(services, *commands: m.Command) -> None:
    """Commands of a member through the real handlers, then projected."""
    for command in commands:
        await services.handlers.handle(command)
    await services.projector.run_once()


def cid() -> str:
    return uuid.uuid4().hex


def lines(html: str) -> list[str]:
    """The history's entries as a person reads them, newest first."""
    found = re.findall(r"<li><time datetime=\"[^\"]+\">(.*?)</time> — (.*?)</li>", html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", text)).strip() for _, text in found]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return unescape(found.group(1)) if found else None


async def ann_and_bob(services, site) -> tuple[str, str]:
    """Ann (logged in on ``site``) and Bob, each with a few actions of their own."""
    ann = await new_member(services.handlers, "ann@example.org", "Ann", PASSWORD)
    bob = await new_member(services.handlers, "bob@example.org", "Bob", PASSWORD)
    await do(services, m.ChangePassword(command_id=cid(), user_id=ann, password="another long password"),
             m.RateShow(command_id=cid(), user_id=ann, show_id=SHOW, rating=3.0),
             m.RateShow(command_id=cid(), user_id=ann, show_id=SHOW, rating=4.5),
             m.RateEpisode(command_id=cid(), user_id=ann, show_id=SHOW, season=1, episode=1, rating=4.0),
             m.RateMovie(command_id=cid(), user_id=ann, movie_id=5, rating=2.0),
             m.RemoveMovieRating(command_id=cid(), user_id=ann, movie_id=5),
             m.RateMovie(command_id=cid(), user_id=ann, movie_id=7, rating=5.0),
             m.MarkNotSeen(command_id=cid(), user_id=ann, movie_id=2),
             m.ChangeEmailPreferences(command_id=cid(), user_id=ann, weekly=False),
             m.RateMovie(command_id=cid(), user_id=bob, movie_id=5, rating=5.0),
             m.MarkNotInterested(command_id=cid(), user_id=bob, movie_id=4))
    assert (await log_in(site, "ann@example.org", "another long password")).status_code == 303
    # and two ratings through the site itself, as a person gives them
    for stars in ("3", "4"):
        page = await site.get("/movies/1")
        response = await site.post("/movies/1/rating", data=form(page.text, "/movies/1/rating") | {"rating": stars})
        assert response.status_code == 303, response.text
    return ann, bob


async def test_the_members_own_actions_newest_first_worded_with_what_changed(site, web_services):
    await ann_and_bob(web_services, site)
    page = await site.get("/me/history")
    assert page.status_code == 200 and "Times are in UTC" in page.text
    assert lines(page.text) == [
        "rated Toy Story ★★★★, changed from ★★★",
        "rated Toy Story ★★★",
        "set your e-mail choices: the weekly picks off, TV shows in them on",
        "marked Heat as not seen",
        "rated Fargo ★★★★★",
        "removed your rating of Alien (it was ★★)",
        "rated Alien ★★",
        "rated Fargo S1 E1 “The Crocodile's Dilemma” ★★★★",
        "rated Fargo ★★★★½, changed from ★★★",
        "rated Fargo ★★★",
        "changed your password",
        "confirmed your e-mail address",
        "signed up"]
    # titles link to their pages; nothing of Bob's is there (he rated Alien 5, put Clueless aside)
    assert '<a href="/shows/2802850">Fargo</a>' in page.text and '<a href="/movies/7">Fargo</a>' in page.text
    assert "Clueless" not in page.text and "★★★★★" not in "".join(lines(page.text)[5:7])
    assert "hash" not in page.text and "ann@example.org" not in page.text.split("<main")[1]
    # /me links to the history and to both downloads
    me = (await site.get("/me")).text
    assert all(f'href="{path}"' in me for path in ("/me/history", "/me/export/events.jsonl", "/me/export/ratings.csv"))


async def test_pages_go_older_and_newer_and_a_kind_filters_them(site, web_services):
    ann = await new_member(web_services.handlers, "ann@example.org", "Ann", PASSWORD)
    await do(web_services, *[m.RateMovie(command_id=cid(), user_id=ann, movie_id=1 + i % 6, rating=1 + i % 9 / 2)
                             for i in range(54)])
    await do(web_services, *[m.MarkNotSeen(command_id=cid(), user_id=ann, movie_id=7, marked=i % 2 == 0)
                             for i in range(4)])
    assert (await log_in(site, "ann@example.org")).status_code == 303
    # walking "Older" from the newest page sees every entry once, 25 to a page
    seen, pages, url = [], [], "/me/history"
    while url:
        page = (await site.get(url)).text
        pages.append((url, lines(page)))
        seen += lines(page)
        url = link(page, "next")
    assert [len(found) for _, found in pages] == [25, 25, 10] and seen[-2:] == ["confirmed your e-mail address",
                                                                                 "signed up"]
    # "Newer" from the last page comes back to the page before it
    last = (await site.get(pages[-1][0])).text
    assert lines((await site.get(link(last, "prev"))).text) == pages[1][1]
    # a kind: only the entries of that kind, from the member's own
    put_aside = lines((await site.get("/me/history?kind=lists")).text)
    assert put_aside == ["took Fargo off your “not seen” list", "marked Fargo as not seen"] * 2
    assert lines((await site.get("/me/history?kind=account")).text) == ["confirmed your e-mail address", "signed up"]
    assert lines((await site.get("/me/history?kind=emails")).text) == []
    # anything else in the address is a bad request, never part of a query
    for query in ("kind=everything", "kind=", "before=0", "before=abc", f"after={2**60}"):
        response = await site.get(f"/me/history?{query}")
        assert response.status_code == 400 and "did not make sense" in response.text, query


async def test_the_events_export_validates_and_round_trips_the_log(site, web_services):
    ann, bob = await ann_and_bob(web_services, site)
    response = await site.get("/me/export/events.jsonl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["content-disposition"] == 'attachment; filename="mybigmovie-events.jsonl"'
    assert response.headers["cache-control"] == "no-store"
    text = response.text
    header, *exported = [msgspec.json.decode(line, type=ExportLine) for line in text.splitlines()]
    assert isinstance(header, ExportHeader) and header.schema_version == 1 and header.user_id == ann
    # every event of Ann's account stream, in order, each as stored with its position …
    stored = [r for r in await web_services.store.read_stream(stream_for(ann)) if isinstance(r.event, EVENTS)]
    assert [line.position for line in exported] == [r.position for r in stored] and len(stored) == 13
    for line, recorded in zip(exported, stored):
        fields = {name: getattr(line, name) for name in line.__struct_fields__ if name not in ("position", "personal")}
        assert type(recorded.event)(**fields, **({"personal": recorded.event.personal} if "personal" in
                                                  line.__struct_fields__ else {})) == recorded.event
    # … the sealed fields opened for her, and never a password hash
    signup, password = exported[0], exported[2]
    assert signup.personal == Opened(email="ann@example.org", display_name="Ann") and password.personal == Opened()
    assert "password_hash" not in text and "argon2" not in text and '"nonce"' not in text
    # nothing of Bob's
    assert bob not in text and all(json.loads(line).get("user_id") == ann for line in text.splitlines())


async def test_the_ratings_export_holds_what_the_member_rates_now(site, web_services):
    await ann_and_bob(web_services, site)
    response = await site.get("/me/export/ratings.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="mybigmovie-ratings.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    got = {(r["kind"], r["title"], r["season"], r["episode"]): r for r in rows}
    assert {key: (r["rating"], r["year"], r["imdb_id"], r["title_id"]) for key, r in got.items()} == {
        ("show", "Fargo", "", ""): ("4.5", "2014", "tt2802850", str(SHOW)),
        ("episode", "Fargo", "1", "1"): ("4", "2014", "", str(SHOW)),
        ("movie", "Fargo", "", ""): ("5", "1996", "tt0116282", "7"),
        ("movie", "Toy Story", "", ""): ("4", "1995", "", "1")}  # Alien's rating was removed
    assert got[("episode", "Fargo", "1", "1")]["episode_title"] == "The Crocodile's Dilemma"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["rated_at"]) for r in rows)


async def test_a_visitor_is_sent_to_log_in_and_gets_no_data(site):
    for path in ("/me/history", "/me/export/events.jsonl", "/me/export/ratings.csv"):
        response = await site.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path


async def history_of(services, user_id: str) -> dict | None:
    collection = services.database[(await services.registry.active(HISTORY)).collection]
    return await collection.find_one({"_id": user_id})


async def test_a_deleted_account_leaves_no_history_and_a_replay_agrees(site, web_services):
    ann, bob = await ann_and_bob(web_services, site)
    bobs = await history_of(web_services, bob)
    assert (await history_of(web_services, ann))["count"] == 13 and bobs["count"] == 4
    # when Ann deletes her account (removing her ratings) from her account page
    page = await site.get("/me/account")
    response = await site.post("/me/delete", data=form(page.text, "/me/delete") | {
        "current_password": "another long password", "ratings": "remove", "confirm": "true"})
    assert response.status_code == 303
    await web_services.projector.run_once()
    # then nothing of her history is left; Bob's is as it was
    erased = {"_id": ann, **empty_history(ann), "erased": True}
    assert {k: v for k, v in (await history_of(web_services, ann)).items() if k != "_pos"} == erased
    assert (await web_services.reads.history_page(ann)).entries == [] and await history_of(web_services, bob) == bobs
    # and a rebuild from the log comes to the same
    await replay(web_services.store, web_services.registry, [History()])
    assert {k: v for k, v in (await history_of(web_services, ann)).items() if k != "_pos"} == erased
    assert await history_of(web_services, bob) == bobs


async def test_a_runner_cancelled_again_and_again_ends_as_a_rebuild_deletions_and_all(database):
    # given a log of eight members' ratings, two of whom deleted their account part-way through it
    store, registry = MongoEventStore(database), Registry(database)
    await store.create_indexes()
    rng, deleted = random.Random(4), ("u0", "u3")
    for turn in range(30):
        for user in [f"u{u}" for u in range(8)]:
            meta = {"event_id": cid(), "stream": f"user-{user}", "occurred_at": datetime.now(timezone.utc),
                    "user_id": user}
            if turn == 0:
                event = e.UserSignedUp(**meta, personal=e.Sealed(nonce=b"n" * 12, data=b"sealed"))
            elif user in deleted and turn >= 20:
                if turn > 20:
                    continue
                event = e.AccountDeleted(**meta, ratings_kept=True)
            else:
                event = e.MovieRated(**meta, movie_id=rng.randrange(20), rating=rng.randrange(1, 11) / 2)
            await store.append(f"user-{user}", turn, [event])
    head = await store.head()
    # when the runner is cancelled four times part-way, then finishes
    for stop_at in sorted(rng.sample(range(20, head - 20), 4)):
        task = None

        def cancel_past(done: int, total: int, stop_at=stop_at) -> None:
            if done >= stop_at:
                task.cancel()
        task = asyncio.create_task(catch_up(store, registry, [History()], page_size=13, flush_every=13,
                                            progress=cancel_past))
        with pytest.raises(asyncio.CancelledError):
            await task
    await catch_up(store, registry, [History()], page_size=13, flush_every=13)
    collection = database[(await registry.active(HISTORY)).collection]
    live = sorted(await collection.find().to_list(), key=lambda d: d["_id"])
    # then the deleted members have nothing left, the others everything, and a rebuild agrees
    assert [d["count"] for d in live] == [0, 30, 30, 0, 30, 30, 30, 30]
    assert [len(ours.entries(d)) for d in live] == [0, 30, 30, 0, 30, 30, 30, 30]
    await replay(store, registry, [History()])
    collection = database[(await registry.active(HISTORY)).collection]
    assert sorted(await collection.find().to_list(), key=lambda d: d["_id"]) == live
