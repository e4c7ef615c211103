"""``mybigmovie import --download tvmaze``: TV shows with their seasons and episodes from TVmaze's API.

1. The show index, ``/shows?page=N`` (250 shows a page, in id order, until a 404).
2. The ``max_shows`` shows of most weight (TVmaze's popularity, 0-100) among those with an IMDb id:
   the site keys a show by its IMDb id, so a show without one could not be listed.
3. Each of them with its episodes and seasons, ``/shows/{id}?embed[]=episodes&embed[]=seasons``.

Every response is kept under ``into`` as it arrives (gzipped, written whole, then renamed), so a
run killed midway continues where it stopped and asks nothing it already holds; delete the folder
to fetch everything afresh. The result is ``tvmaze_shows.json.gz``, an array of TVmaze show objects in the
API's own shape (``read_tvmaze_api`` reads it), with a README.txt beside it naming the source and
its licence: TVmaze's data is CC BY-SA 4.0 and must be attributed to TVmaze.

TVmaze allows at least 20 calls every 10 seconds from one address: calls are paced at one per
``pace`` seconds (0.6 s, 17 in 10 s), and a 429 is answered by waiting as long as its Retry-After
says (else a doubling back-off) and asking again.
"""
from __future__ import annotations

import gzip
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

from commands.importers.download import DownloadError

TVMAZE = "https://api.tvmaze.com"
PACE = 0.6  # seconds between calls: 17 calls in 10 s, under TVmaze's 20
MAX_SHOWS = 2000
SHOWS_FILE = "tvmaze_shows.json.gz"
_EMBED = urlencode([("embed[]", "episodes"), ("embed[]", "seasons")])
_IMDB = re.compile(r"tt\d{7,10}")
_USER_AGENT = "mybigmovie-import (+https://www.tvmaze.com/api; one call per 0.6 s)"

Progress = Callable[[str, int, int | None], None]  # (step, done, total or None)


@dataclass
class Fetched:
    """What a download produced: the file to import and how much of it came over the network."""

    path: Path
    shows: int = 0
    fetched: int = 0  # calls that went over the network (index pages and shows)
    cached: int = 0  # responses read from the download folder instead
    gone: list[int] = field(default_factory=list)  # shows the index names but the API no longer has


class Api:
    """GET JSON from TVmaze (or a mirror of it), paced, with 429s and 5xx answers waited out."""

    def __init__(self, base_url: str = TVMAZE, pace: float = PACE, retries: int = 5, backoff: float = 2.0,
                 max_wait: float = 120.0, timeout: float = 30.0) -> None:
        self.base_url, self.pace, self.retries = base_url.rstrip("/"), pace, retries
        self.backoff, self.max_wait, self.timeout = backoff, max_wait, timeout
        self._next_call = 0.0  # time.monotonic() before which no call starts

    def get(self, path: str) -> bytes | None:
        """The body of ``path``, or None for a 404; DownloadError when it cannot be had."""
        url = f"{self.base_url}{path}"
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT,
                                                               "Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return None
                if error.code != 429 and error.code < 500 or attempt == self.retries:
                    raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}"
                                        + (f" (after {attempt + 1} tries)" if attempt else "")) from None
                wait = self._retry_after(error)
                self._hold(self.backoff * 2 ** attempt if wait is None else wait)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:  # refused, reset, cut off
                reason = getattr(error, "reason", None) or error
                raise DownloadError(f"cannot download {url}: {reason}") from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_turn(self) -> None:
        if (delay := self._next_call - time.monotonic()) > 0:
            time.sleep(delay)
        self._next_call = time.monotonic() + self.pace

    def _hold(self, seconds: float) -> None:
        self._next_call = max(self._next_call, time.monotonic() + min(seconds, self.max_wait))

    @staticmethod
    def _retry_after(error: urllib.error.HTTPError) -> float | None:
        try:
            return float(error.headers.get("Retry-After") or "")
        except ValueError:  # absent, or an HTTP date: fall back to the doubling back-off
            return None


def download_tvmaze(into: Path, api: Api, max_shows: int = MAX_SHOWS,
                    progress: Progress = lambda step, done, total: None) -> Fetched:
    """Fetch (or read from ``into``) the index and the ``max_shows`` heaviest shows; write the file to import."""
    if max_shows < 1:
        raise DownloadError("--max-shows must be at least 1")
    into.mkdir(parents=True, exist_ok=True)
    result = Fetched(into / SHOWS_FILE)
    chosen = [show for _, show in sorted(_index(into / "index", api, result, progress))[:max_shows]]
    shows = []
    for done, show in enumerate(chosen, 1):
        body = _cached(into / "shows" / f"{show}.json.gz", f"/shows/{show}?{_EMBED}", api, result)
        if body is None:
            result.gone.append(show)
        else:
            shows.append(_decode(body, f"show {show}"))
        progress("tvmaze shows", done, len(chosen))
    _write(result.path, shows)
    _write_readme(into / "README.txt", api.base_url, len(shows))
    result.shows = len(shows)
    return result


def _index(folder: Path, api: Api, result: Fetched, progress: Progress) -> list[tuple[int, int]]:
    """(minus weight, id) of every show of the index with an IMDb id, page after page until the API
    says there is no next one; only that is kept of the pages, the whole index is some 80k shows."""
    ranked: list[tuple[int, int]] = []
    page = 0
    while (body := _cached(folder / f"page-{page:04d}.json.gz", f"/shows?page={page}", api, result)) is not None:
        listed = _decode(body, f"index page {page}")
        if not isinstance(listed, list) or not listed:
            break
        ranked += [(-(show.get("weight") or 0), show["id"]) for show in listed
                   if isinstance(show, dict) and isinstance(show.get("id"), int) and _imdb_id(show)]
        page += 1
        progress("tvmaze index pages", page, None)
    if page == 0:
        raise DownloadError(f"{api.base_url}/shows?page=0 lists no shows: is that TVmaze's API?")
    return ranked


def _cached(path: Path, api_path: str, api: Api, result: Fetched) -> bytes | None:
    """The response kept at ``path``, else fetched and kept there; None for a 404 (never kept)."""
    if path.exists():
        result.cached += 1
        return gzip.decompress(path.read_bytes())
    body = api.get(api_path)
    result.fetched += 1
    if body is not None:
        _decode(body, api_path)  # a truncated or non-JSON answer is not kept to be trusted next time
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(gzip.compress(body, mtime=0))
        partial.replace(path)
    return body


def _decode(body: bytes, what: str):
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DownloadError(f"TVmaze's answer for {what} is not JSON: {error}") from None


def _imdb_id(show: dict) -> str | None:
    imdb = (show.get("externals") or {}).get("imdb")
    return imdb if isinstance(imdb, str) and _IMDB.fullmatch(imdb) else None


def _write(path: Path, shows: list[dict]) -> None:
    partial = path.with_name(path.name + ".part")
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        json.dump(shows, out, ensure_ascii=False)
    partial.replace(path)


def _write_readme(path: Path, base_url: str, count: int) -> None:
    fetched = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(
        f"{SHOWS_FILE}: {count:,} TV shows with their episodes and seasons, from the TVmaze API\n"
        f"({base_url}), fetched {fetched} by `mybigmovie import --download tvmaze`.\n\n"
        "Source: TVmaze, https://www.tvmaze.com\n"
        "Licence: Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0),\n"
        "https://creativecommons.org/licenses/by-sa/4.0/\n"
        "Attribute TVmaze, with a link, wherever this data is shown or shared; what is made from it is\n"
        "shared under the same licence. index/ and shows/ hold the API's answers as received, gzipped.\n")
