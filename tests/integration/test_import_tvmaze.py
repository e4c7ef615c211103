"""``--download tvmaze`` against a local HTTP server answering with recorded TVmaze responses
(tests/fixtures/tvmaze): the show index, then the heaviest shows with episodes and seasons."""
from __future__ import annotations

import gzip
import http.server
import json
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from commands.importers import detect, import_sources
from commands.importers.download import DownloadError
from commands.importers.tvmaze_download import Api, download_tvmaze
from commands.mongo_store import MongoEventStore
from projections.registry import Registry
from projections.runner import catch_up
from projections.shows import Shows
from tests.integration.test_import_cli import mybigmovie

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tvmaze"
CATALOG_TV = Path(__file__).resolve().parents[1] / "fixtures" / "catalog" / "tv"
INDEX = [f"/shows?page={page}" for page in range(8)]  # page 7 is the 404 that ends the index
EMBED = "?embed%5B%5D=episodes&embed%5B%5D=seasons"


class _TvmazeHandler(http.server.BaseHTTPRequestHandler):
    """Answers as api.tvmaze.com would, from the recorded files; the server decides on failures."""

    def do_GET(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        with server.lock:
            server.requests.append(self.path)
            cut_off = server.fail_after is not None and len(server.requests) > server.fail_after
            throttled = server.throttle.get(self.path, 0) > 0
            if throttled:
                server.throttle[self.path] -= 1
        if cut_off:  # the connection drops with no answer, as when a run dies or the network goes
            self.close_connection = True
            return
        if throttled:
            wait = {} if server.retry_after is None else {"Retry-After": str(server.retry_after)}
            self._send(429, b'{"name":"Too Many Requests","status":429}', wait)
            return
        body = self._recorded()
        self._send(200, body) if body is not None else self._send(404, b'{"name":"Not Found","status":404}')

    def _recorded(self) -> bytes | None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/shows" and (page := query.get("page", [""])[0]).isdigit():
            path = FIXTURES / f"shows-page-{int(page)}.json"
        elif (show := re.fullmatch(r"/shows/(\d+)", url.path)) and query.get("embed[]") == ["episodes", "seasons"]:
            path = FIXTURES / "shows" / f"{show.group(1)}.json"
        else:
            return None
        return path.read_bytes() if path.exists() else None

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TvmazeHandler)
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.fail_after: int | None = None  # answer this many requests, then drop every connection
        self.throttle: dict[str, int] = {}  # path -> how many more times it is answered 429
        self.retry_after: int | None = 1  # seconds, in the 429's Retry-After (None: no such header)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def tvmaze():
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


async def _shows_read_model(database, path: Path) -> tuple[dict[int, dict], list[str]]:
    store = MongoEventStore(database)
    await store.create_indexes()
    ignored: list[Path] = []
    sources = detect(path, ignored)
    assert [(source.kind, source.path.name) for source in sources] == [("tvmaze-api", "tvmaze_shows.json.gz")]
    assert ignored == []  # the download folder imports as one source; its kept answers are not data sets
    report = await import_sources(store, sources)
    registry = Registry(database)
    await catch_up(store, registry, [Shows()])
    collection = registry.database[(await registry.active("shows")).collection]
    return {document["_id"]: document async for document in collection.find({})}, report.notes


async def test_the_heaviest_shows_land_with_their_seasons_and_titled_episodes(tvmaze, tmp_path, database):
    fetched = download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0), max_shows=4)
    # Weight 99: Game of Thrones (82), Sherlock (335); 98: Breaking Bad; 97: Person of Interest (2) first
    # by id. Horatio Hornblower (weight 80, no IMDb id) could not be listed, so it is never asked for.
    assert tvmaze.requests == INDEX + [f"/shows/{show}{EMBED}" for show in (82, 335, 169, 2)]
    assert (fetched.shows, fetched.fetched, fetched.cached) == (4, 12, 0)
    shows, notes = await _shows_read_model(database, tmp_path / "tvmaze")
    assert sorted(shows) == [903747, 944947, 1475582, 1839578]
    thrones = shows[944947]
    assert (thrones["title"], thrones["year"], thrones["end_year"], thrones["tvmaze_id"]) == \
        ("Game of Thrones", 2011, 2019, 82)
    assert [(s["number"], s["episodes"]) for s in thrones["seasons"]] == \
        [(1, 10), (2, 10), (3, 10), (4, 10), (5, 10), (6, 10), (7, 7), (8, 6)]
    assert thrones["episodes"]["1:1"]["title"] == "Winter is Coming"
    assert (thrones["episodes"]["8:6"]["title"], thrones["episodes"]["8:6"]["airdate"]) == \
        ("The Iron Throne", "2019-05-19")
    assert thrones["source"] == "tvmaze" and "Fantasy" in thrones["genres"]
    breaking = shows[903747]
    assert [(s["number"], s["episodes"]) for s in breaking["seasons"]] == [(1, 3), (2, 2)]  # the special is out
    assert breaking["episodes"]["1:2"]["title"] == "Breaking Bad 1x02"
    assert any("1 TVmaze specials (episodes without a number) left out" in note for note in notes)
    readme = (tmp_path / "tvmaze" / "README.txt").read_text()
    assert "TVmaze, https://www.tvmaze.com" in readme and "CC BY-SA 4.0" in readme
    with gzip.open(fetched.path, "rt") as stream:  # TVmaze's objects as the API gave them
        assert json.load(stream)[0] == json.loads((FIXTURES / "shows" / "82.json").read_text())


async def test_episodes_join_a_listed_show_by_its_imdb_id_keeping_imdbs_ratings(tvmaze, tmp_path, database):
    store = MongoEventStore(database)
    await store.create_indexes()
    await import_sources(store, detect(CATALOG_TV))  # IMDb's structure of 13 GoT episodes, 12 titled by name
    fetched = download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0), max_shows=1)
    report = await import_sources(store, detect(fetched.path))
    assert (report.shows_listed, report.shows_corrected) == (0, 1)
    again = await import_sources(store, detect(fetched.path))
    assert again.nothing_new
    registry = Registry(database)
    await catch_up(store, registry, [Shows()])
    thrones = await registry.database[(await registry.active("shows")).collection].find_one({"_id": 944947})
    assert len(thrones["episodes"]) == 73 and thrones["title"] == "Game of Thrones"
    first = thrones["episodes"]["1:1"]
    assert (first["title"], first["imdb_rating"], first["imdb_votes"]) == ("Winter is Coming", 8.0, 111)
    assert thrones["episodes"]["8:6"]["imdb_rating"] is None  # not in the IMDb fixture: TVmaze's alone


async def test_a_429_is_waited_out_as_long_as_retry_after_says(tvmaze, tmp_path):
    tvmaze.throttle = {"/shows?page=0": 1, f"/shows/82{EMBED}": 1}
    started = time.monotonic()
    fetched = download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0), max_shows=1)
    assert time.monotonic() - started >= 2 * tvmaze.retry_after  # one wait per 429
    assert tvmaze.requests.count("/shows?page=0") == 2 and tvmaze.requests.count(f"/shows/82{EMBED}") == 2
    assert fetched.shows == 1


async def test_a_429_that_never_ends_stops_the_download_with_what_happened(tvmaze, tmp_path):
    tvmaze.throttle, tvmaze.retry_after = {"/shows?page=0": 1000}, None
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"shows\?page=0: HTTP 429 Too Many Requests \(after 3 tries\)"):
        download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0, retries=2, backoff=0.1), max_shows=1)
    assert tvmaze.requests == ["/shows?page=0"] * 3
    assert time.monotonic() - started >= 0.1 + 0.2  # no Retry-After: a doubling back-off between tries


async def test_a_run_cut_off_midway_continues_without_asking_again(tvmaze, tmp_path):
    tvmaze.fail_after = 10  # the 8 index answers (the last a 404), two shows, then nothing
    with pytest.raises(DownloadError, match=f"cannot download {tvmaze.url}/shows/169"):
        download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0), max_shows=4)
    assert sorted(p.name for p in (tmp_path / "tvmaze" / "shows").iterdir()) == ["335.json.gz", "82.json.gz"]
    tvmaze.requests.clear()
    tvmaze.fail_after = None
    fetched = download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0), max_shows=4)
    # Only the end of the index (a 404 is never kept: new shows may come) and the two shows not held.
    assert tvmaze.requests == ["/shows?page=7", f"/shows/169{EMBED}", f"/shows/2{EMBED}"]
    assert (fetched.shows, fetched.fetched, fetched.cached) == (4, 3, 9)


async def test_calls_are_paced_under_tvmazes_limit(tvmaze, tmp_path):
    started = time.monotonic()
    download_tvmaze(tmp_path / "tvmaze", Api(tvmaze.url, pace=0.2), max_shows=1)
    assert time.monotonic() - started >= 8 * 0.2  # 9 calls, 0.2 s apart
    assert Api().pace >= 0.5  # the default: at most 20 calls in 10 s, TVmaze's limit


async def test_the_cli_downloads_imports_and_projects(tvmaze, database, mongo_url, tmp_path):
    result = mybigmovie("import", "--download", "tvmaze", "--tvmaze-url", tvmaze.url, "--max-shows", "2",
                        database=database, mongo_url=mongo_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TVmaze: 2 shows in" in result.stdout and "10 fetched, 0 kept from an earlier run" in result.stdout
    assert "shows: 2 listed (78 episodes)" in result.stdout  # GoT's 73, Sherlock's 5
    registry = Registry(database)
    collection = registry.database[(await registry.active("shows")).collection]
    sherlock = await collection.find_one({"_id": 1475582})
    assert [(s["number"], s["episodes"]) for s in sherlock["seasons"]] == [(1, 3), (2, 2)]
    again = mybigmovie("import", "--download", "tvmaze", "--tvmaze-url", tvmaze.url, "--max-shows", "2",
                       "--no-project", database=database, mongo_url=mongo_url, tmp_path=tmp_path)
    assert "1 fetched, 9 kept from an earlier run" in again.stdout  # only the index's end is asked again
    assert "nothing new" in again.stdout


async def test_a_network_failure_is_one_clear_line_without_a_traceback(database, mongo_url, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = mybigmovie("import", "--download", "tvmaze", "--tvmaze-url", f"http://127.0.0.1:{port}",
                        database=database, mongo_url=mongo_url, tmp_path=tmp_path)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "rejected" in line] == [
        f"import rejected: cannot download http://127.0.0.1:{port}/shows?page=0: [Errno 111] Connection refused"]
    assert "Traceback" not in result.stdout + result.stderr
