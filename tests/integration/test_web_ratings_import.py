"""Importing ratings through the web app: a member uploads an IMDb or a Letterboxd export written
here (made-up rows), the import runs, the report says what matched and why the rest did not, the
rest can be matched by hand, and nothing else changes: not the same file twice, not a bad file, not
a visitor, not a forged form."""
from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
import uuid
from datetime import datetime, timezone

import pytest
import redis.asyncio as redis

from domain import events as e
from tests.integration.web_harness import PASSWORD, REDIS_URL, csrf_token, form, log_in, seed, web_client, web_services  # noqa: F401
from tests.members import new_member
from web.import_jobs import ImportJobs

MEMBER = "importer@example.org"
NOW = datetime.now(timezone.utc)


def listed(movie_id: int, title: str, year: int | None, imdb: str, aka: tuple[str, ...] = ()) -> e.MovieListed:
    return e.MovieListed(event_id=str(uuid.uuid4()), stream="catalog-test", occurred_at=NOW, movie_id=movie_id,
                         title=title, year=year, genres=("Drama",), imdb_id=imdb, aka=aka, source="test",
                         reference=e.RatingSummary(count=100 + movie_id, mean=3.5, source="test"))


CATALOG = [listed(1, "The Godfather", 1972, "tt0068646"), listed(2, "Heat", 1995, "tt0113277"),
           listed(3, "Amelie", 2001, "tt0211915", ("Le Fabuleux destin d'Amélie Poulain",)),
           listed(4, "Hamlet", 1948, "tt0040416"), listed(5, "Hamlet", 1996, "tt0116477"),
           listed(6, "The Shawshank Redemption", 1994, "tt0111161"), listed(7, "Alien", 1979, "tt0078748")]
SHOW = e.ShowListed(event_id=str(uuid.uuid4()), stream="catalog-test-show", occurred_at=NOW, show_id=903747,
                    title="Breaking Bad", imdb_id="tt0903747", year=2008, genres=("Drama",), summary="A show.",
                    imdb_rating=9.5, imdb_votes=1000, episodes=(e.EpisodeEntry(1, 1, "Pilot", "2008-01-20"),),
                    source="test")

LETTERBOXD = [("2024-01-02", "The Godfather", "1972", "https://boxd.it/a1", "5"),
              ("2024-01-03", "Amélie", "2002", "https://boxd.it/a2", "4.5"),  # accents, a year off by one
              ("2024-01-04", "The Shawshank Redemtpion", "1994", "https://boxd.it/a3", "4"),  # a typo
              ("2024-01-05", "Hamlet", "", "https://boxd.it/a4", "3"),  # two of that name, no year: ambiguous
              ("2024-01-06", "Dune, Part Two", "2024", "https://boxd.it/a5", "4"),  # not in the catalog
              ("2024-01-07", "Heat", "1995", "https://boxd.it/a6", "")]  # no rating


def letterboxd(rows=LETTERBOXD) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def imdb(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type", "IMDb Rating",
                     "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"])
    for const, rating, title, kind, year in rows:
        writer.writerow([const, rating, "2023-05-01", title, title, f"https://www.imdb.com/title/{const}/", kind, "8.1",
                         "120", year, "Crime, Drama", "1000", f"{year}-01-01", "Some One, Someone Else"])
    return out.getvalue().encode()


@pytest.fixture
async def importer(web_services, mongo_url, smtp_inbox):
    """The site with CATALOG and SHOW listed, and a member logged in: (client, services, user id)."""
    await seed(web_services, CATALOG)
    await seed(web_services, [SHOW])
    user_id = await new_member(web_services.handlers, MEMBER, "Ida", PASSWORD)
    await web_services.projector.run_once()
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        assert (await log_in(client, MEMBER)).status_code == 303
        yield client, web_services, user_id


@contextlib.asynccontextmanager
async def own_jobs(client):
    """The site's import jobs, through a Redis connection of the test's own (the app's belongs to its loop)."""
    async with redis.from_url(REDIS_URL) as connection:
        yield ImportJobs(connection, f"{client.namespace}:ratings-import")


async def events_of(services, user_id: str) -> list:
    return [r.event for r in await services.store.read_stream(f"user-{user_id}")]


async def upload(client, data: bytes, name: str = "ratings.csv", token: bool = True):
    page = await client.get("/me/import")
    assert page.status_code == 200
    fields = {"_csrf_token": form(page.text, "/me/import")["_csrf_token"]} if token else {}
    return await client.post("/me/import", data=fields, files={"ratings_file": (name, data, "text/csv")})


async def finished(client, response, timeout: float = 20.0) -> str:
    """Follow an upload's redirect to its page and wait until the report replaces the progress."""
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert re.fullmatch(r"/me/import/[0-9a-f]{32}", location)
    for _ in range(int(timeout / 0.1)):
        page = await client.get(location)
        assert page.status_code == 200, page.text[:500]
        if 'id="import-progress"' not in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError("the import did not finish")


def row_text(html: str, title: str) -> str:
    """The report's row for ``title`` (its <li>), as text."""
    for item in re.findall(r'<li id="row-\d+" class="import-row">.*?</li>', html, re.S):
        if f"<strong>{title}</strong>" in item:
            return item
    raise AssertionError(f"no row for {title!r} in the report")


async def test_a_letterboxd_export_is_imported_reported_and_importing_it_again_appends_nothing(importer):
    client, services, user_id = importer
    before = len(await events_of(services, user_id))
    me = await client.get("/me")
    assert 'href="/me/import"' in me.text

    report = await finished(client, await upload(client, letterboxd()))
    # the three that match are rated (Amélie by another spelling and a year off, the typo too)
    member = await services.reads.member(user_id, at_least=2**62)
    assert member.ratings == {1: 5.0, 3: 4.5, 6: 4.0}
    assert "3 of 5" in report and "(60 %)" in report and "3 new ratings saved" in report
    # the report lists what did not match, and why, with a way to match it by hand
    assert "?show=unmatched" in report
    hamlet = row_text(report, "Hamlet")
    assert "2 titles have this name and the file gives no year" in hamlet
    assert 'value="movie:4"' in hamlet and 'value="movie:5"' in hamlet and "Rate it 3 stars" in hamlet
    dune = row_text(report, "Dune, Part Two")
    assert "No movie of this name from 2024 in the catalog" in dune and "/search?q=Dune%2C%20Part%20Two" in dune
    skipped = await client.get(report_url(report) + "?show=skipped")
    assert "No rating in the file" in row_text(skipped.text, "Heat")
    matched = await client.get(report_url(report) + "?show=matched")
    assert 'href="/movies/6">The Shawshank Redemption</a>' in row_text(matched.text, "The Shawshank Redemtpion")
    assert "close spelling" in matched.text
    after = await events_of(services, user_id)
    assert len(after) == before + 3 and all(isinstance(ev, e.MovieRated) for ev in after[before:])

    # the same file again: nothing is appended, and the report says they were already rated
    again = await finished(client, await upload(client, letterboxd()))
    assert len(await events_of(services, user_id)) == before + 3
    assert "0 new ratings saved" in again and "3 you had already rated the same here" in again


def report_url(html: str) -> str:
    return re.search(r'href="(/me/import/[0-9a-f]{32})\?show=', html).group(1)


async def test_an_imdb_export_rates_movies_by_id_and_shows_and_keeps_the_sites_ratings(importer):
    client, services, user_id = importer
    # Given the member rated Heat 2 stars on the site
    page = await client.get("/movies/2")
    assert (await client.post("/movies/2/rating", data=form(page.text, "/movies/2/rating") | {"rating": "2"})
            ).status_code == 303
    data = imdb([("tt0068646", "9", "Der Pate", "Movie", "1972"),  # by its IMDb id, whatever the title says
                 ("tt0113277", "8", "Heat", "Movie", "1995"),  # rated differently on the site
                 ("tt0903747", "10", "Breaking Bad", "TV Series", "2008"),
                 ("tt0959621", "9", "Pilot", "TV Episode", "2008"),
                 ("tt9999999", "6", "Not Here", "Movie", "2019")])
    report = await finished(client, await upload(client, data, "imdb-ratings.csv"))
    member = await services.reads.member(user_id, at_least=2**62)
    assert member.ratings == {1: 4.5, 2: 2.0} and member.show_ratings == {903747: 5.0}
    assert "Importing your ratings from IMDb" in report and "3 of 4" in report
    assert "1 you rated differently here: your rating here stays" in report
    url = report_url(report)
    skipped = await client.get(url + "?show=skipped")
    assert "An episode: rate episodes on the show" in row_text(skipped.text, "Pilot")

    # When the member takes the file's rating for Heat instead (with htmx: the row comes back)
    kept = await client.get(url + "?show=kept")
    heat = row_text(kept.text, "Heat")
    assert "you rated it 2 stars here" in heat and "Take the file's 4 stars instead" in heat
    fields = form(kept.text, f"{url}/match")
    response = await client.post(f"{url}/match", data=fields, headers={"HX-Request": "true",
                                                                         "X-CSRFToken": csrf_token(kept.text)})
    assert response.status_code == 200 and "matched by hand, rated 4 stars" in response.text
    assert response.text.lstrip().startswith('<li id="row-')
    assert (await services.reads.member(user_id, at_least=2**62)).ratings[2] == 4.0


async def test_a_row_that_did_not_match_is_matched_by_hand(importer):
    client, services, user_id = importer
    report = await finished(client, await upload(client, letterboxd([LETTERBOXD[3]])))
    url = report_url(report)
    fields = form(report, f"{url}/match")
    assert fields["row"] == "0" and "choice" not in fields  # nothing chosen for the member
    # A choice that is not among the row's titles is refused, and changes nothing
    refused = await client.post(f"{url}/match", data=fields | {"choice": "movie:7"})
    assert refused.status_code == 422 and "Choose one of the titles listed" in refused.text
    # Without JavaScript: the chosen title is rated with the file's rating, and the page comes back
    done = await client.post(f"{url}/match", data=fields | {"choice": "movie:5"})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?show=matched#row-0"
    assert (await services.reads.member(user_id, at_least=2**62)).ratings == {5: 3.0}
    page = await client.get(done.headers["location"].split("#")[0])
    assert "matched by hand, rated 3 stars" in row_text(page.text, "Hamlet")
    assert "and 1 matched by hand" in page.text
    # the same form sent again (the same command id) records nothing more
    count = len(await events_of(services, user_id))
    await client.post(f"{url}/match", data=fields | {"choice": "movie:5"})
    assert len(await events_of(services, user_id)) == count


BAD_FILES = [(b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n", "ratings.csv",
              "doesn&#39;t look like an IMDb or Letterboxd export"),
             (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "poster.png", "not a text file"),
             (b"", "empty.csv", "That file is empty"),
             (b"Date,Name,Year,Letterboxd URI,Rating\n", "ratings.csv", "has no ratings in it")]


async def test_a_bad_file_gets_a_clear_message_and_changes_nothing(importer):
    client, services, user_id = importer
    head = await services.store.head()
    for data, name, says in BAD_FILES:
        response = await upload(client, data, name)
        assert response.status_code == 422 and says in response.text, name
        assert 'action="/me/import"' in response.text and "Traceback" not in response.text
    assert await services.store.head() == head


async def test_size_limits_a_missing_file_visitors_strangers_and_forged_uploads(importer, web_services):
    client, services, user_id = importer
    head = await services.store.head()
    # no file chosen
    page = await client.get("/me/import")
    token = form(page.text, "/me/import")["_csrf_token"]
    response = await client.post("/me/import", data={"_csrf_token": token})
    assert response.status_code == 422 and "Choose the file to import first" in response.text
    # a file over 5 MB: refused as it streams in, with a message saying so
    big = b"Date,Name,Year,Letterboxd URI,Rating\n" + b"2024-01-01,Heat,1995,x,4\n" * 220_000
    response = await client.post("/me/import", data={"_csrf_token": token}, files={"ratings_file": ("big.csv", big)})
    assert response.status_code == 413 and "up to 5 MB" in response.text
    # any other body over 64 KiB: the site's usual 413, as on every route
    response = await client.post("/me/import", data={"_csrf_token": token, "email": "a" * (100 * 1024)})
    assert response.status_code == 413 and "too much to send" in response.text
    # without the CSRF token: refused
    response = await upload(client, letterboxd(), token=False)
    assert response.status_code == 403
    # another member's report is nothing at its address; a job id of the wrong shape neither
    async with own_jobs(client) as jobs:
        status = await jobs.create("somebody-else", "letterboxd", "theirs.csv", 3)
    assert (await client.get(f"/me/import/{status.id}")).status_code == 404
    assert (await client.get("/me/import/not-a-job")).status_code == 404
    page = await client.get("/me/import")
    assert (await client.post(f"/me/import/{status.id}/match", data={
        "_csrf_token": token, "command_id": str(uuid.uuid4()), "row": "0", "choice": "movie:1"})).status_code == 404
    # a visitor is sent to log in, for the page and for the upload
    await client.post("/logout", data={"_csrf_token": token})
    page = await client.get("/me/import")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    token = (await client.get("/login")).cookies.get("mbm_csrf") or client.cookies.get("mbm_csrf")
    response = await client.post("/me/import", data={"_csrf_token": token},
                                 files={"ratings_file": ("ratings.csv", letterboxd())})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert await services.store.head() == head


async def test_the_progress_is_polled_and_a_finished_import_sends_the_page_to_its_report(importer):
    client, services, user_id = importer
    async with contextlib.AsyncExitStack() as stack:
        await _progress_and_report(client, user_id, stack)


async def _progress_and_report(client, user_id: str, stack) -> None:
    jobs = await stack.enter_async_context(own_jobs(client))
    status = await jobs.create(user_id, "letterboxd", "ratings.csv", 5000)
    status = await jobs.update(status, stage="saving", done=1500, total=4200)
    # without JavaScript: the page says how far it is, with a link to refresh
    page = await client.get(f"/me/import/{status.id}")
    assert "Saving your ratings" in page.text and "1,500 of 4,200" in page.text
    assert f'<a href="/me/import/{status.id}">Refresh</a>' in page.text and 'value="1500"' in page.text
    # htmx polls the progress alone, every second
    poll = await client.get(f"/me/import/{status.id}", headers={"HX-Request": "true"})
    assert poll.text.lstrip().startswith('<div id="import-progress"') and 'hx-trigger="every 1s"' in poll.text
    assert "<html" not in poll.text
    # once done, the poll sends the page to the report; the import page links to it
    await jobs.finish(status, [], seconds=1.0, done=0, total=0)
    poll = await client.get(f"/me/import/{status.id}", headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Redirect") == f"/me/import/{status.id}"
    assert f'href="/me/import/{status.id}"' in (await client.get("/me/import")).text
    # an import whose process died says so, and how to finish it
    stalled = await jobs.create(user_id, "imdb", "old.csv", 10)
    await jobs.redis.set(jobs._key(stalled.id, "status"), json.dumps({**stalled.__dict__, "updated": 1.0}))
    page = await client.get(f"/me/import/{stalled.id}")
    assert "stopped before it finished" in page.text and "nothing is recorded twice" in page.text


async def test_deleting_the_account_deletes_every_import_report_of_the_member(importer):
    client, services, user_id = importer
    # given two imports of the day, their reports holding the rows of the member's files
    first = report_url(await finished(client, await upload(client, letterboxd())))
    await finished(client, await upload(client, imdb([("tt0211915", "8", "Amélie", "Movie", "2001")])))
    async with redis.from_url(REDIS_URL) as connection:
        kept = [key async for key in connection.scan_iter(f"{client.namespace}:ratings-import:*")]
        assert len(kept) >= 6  # two statuses, two reports, the latest, the member's list
        # when the member deletes their account
        page = await client.get("/me/account")
        response = await client.post("/me/delete", data=form(page.text, "/me/delete") | {
            "current_password": PASSWORD, "ratings": "remove", "confirm": "true"})
        assert response.status_code == 303
        # then nothing of their imports is left in Redis, and a report's address finds nothing
        assert [key async for key in connection.scan_iter(f"{client.namespace}:ratings-import:*")] == []
    assert (await client.get(first)).status_code in (303, 404)
