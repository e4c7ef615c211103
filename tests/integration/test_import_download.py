"""``--download ml-1m`` against a local HTTP server serving a small archive of the same layout."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from commands.importers import detect, import_sources
from commands.importers.download import CHECKSUMS, DownloadError, download
from commands.mongo_store import MongoEventStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server with ml-1m.zip (the official layout: an ml-1m/ folder of .dat files)."""
    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / "ml-1m.zip", "w") as archive:
        for name in ("movies.dat", "ratings.dat"):
            archive.write(FIXTURES / "ml-1m" / name, f"ml-1m/{name}")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hashlib.md5((served / "ml-1m.zip").read_bytes()).hexdigest()
    server.shutdown()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


async def test_downloads_checks_unpacks_and_imports(mirror, tmp_path, database):
    url, md5 = mirror
    seen = []
    folder = download("ml-1m", tmp_path / "downloads", url, md5, progress=lambda done, total: seen.append(done))
    assert (folder / "ratings.dat").exists() and seen[-1] == (tmp_path / "downloads" / "ml-1m.zip").stat().st_size
    store = MongoEventStore(database)
    await store.create_indexes()
    report = await import_sources(store, detect(folder))
    assert report.ratings_appended == {"ml-1m": 21} and report.movies_listed == 4


async def test_a_wrong_checksum_deletes_the_archive_and_imports_nothing(mirror, tmp_path):
    url, _ = mirror
    with pytest.raises(DownloadError, match="has MD5 .*, not 0{32}: deleted"):
        download("ml-1m", tmp_path / "downloads", url, md5="0" * 32)
    assert not (tmp_path / "downloads" / "ml-1m.zip").exists() and not (tmp_path / "downloads" / "ml-1m").exists()


async def test_the_official_checksums_are_pinned_and_a_missing_file_is_reported(mirror, tmp_path):
    url, _ = mirror
    assert CHECKSUMS["ml-1m"] == "c4d9eecfca2ab87c1945afe126590906"  # as GroupLens publishes it
    with pytest.raises(DownloadError, match="MD5"):
        download("ml-1m", tmp_path / "downloads", url)  # the small archive is not the official one
    with pytest.raises(DownloadError, match="cannot download .*ml-25m.zip"):
        download("ml-25m", tmp_path / "downloads", url)
