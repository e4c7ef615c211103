"""``mybigmovie import --download ml-1m``: fetch an official GroupLens archive, check it, unpack it.

The MD5 sums are the ones GroupLens publishes beside each archive (``ml-1m.zip.md5``). A mirror
(``base_url``) serves the same file names; tests use a local HTTP server with a small archive of
the same layout and pass its checksum.
"""
from __future__ import annotations

import hashlib
import shutil
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

GROUPLENS = "https://files.grouplens.org/datasets/movielens"
CHECKSUMS = {"ml-1m": "c4d9eecfca2ab87c1945afe126590906", "ml-25m": "6b51fb2759a8657d3bfcbfc42b592ada"}
_CHUNK = 1 << 20


class DownloadError(Exception):
    """The archive could not be fetched, or is not the one expected; nothing was imported."""


def download(name: str, into: Path, base_url: str = GROUPLENS, md5: str | None = None,
             progress: Callable[[int, int | None], None] = lambda done, total: None) -> Path:
    """The unpacked folder of archive ``name`` (fetched once into ``into``, checked every time)."""
    expected = md5 or CHECKSUMS.get(name)
    if expected is None:
        raise DownloadError(f"no known checksum for {name!r}: one of {', '.join(CHECKSUMS)}, or give md5")
    into.mkdir(parents=True, exist_ok=True)
    archive = into / f"{name}.zip"
    if not archive.exists() or _md5(archive) != expected:
        _fetch(f"{base_url.rstrip('/')}/{name}.zip", archive, progress)
    if (actual := _md5(archive)) != expected:
        archive.unlink()
        raise DownloadError(f"{name}.zip has MD5 {actual}, not {expected}: deleted, nothing imported")
    return _unpack(archive, into / name)


def _fetch(url: str, target: Path, progress: Callable[[int, int | None], None]) -> None:
    partial = target.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                progress(done, total)
    except OSError as error:  # URLError, HTTPError and socket errors are all OSErrors
        partial.unlink(missing_ok=True)
        raise DownloadError(f"cannot download {url}: {error}") from None
    partial.replace(target)


def _unpack(archive: Path, folder: Path) -> Path:
    """Extract into ``folder`` (refusing paths that would leave it); return the data's own folder."""
    if folder.exists():
        shutil.rmtree(folder)
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.namelist():
            if member.startswith("/") or ".." in Path(member).parts:
                raise DownloadError(f"{archive.name}: refusing the path {member!r}")
        zipped.extractall(folder)
    inner = [child for child in folder.iterdir() if child.is_dir()]
    return inner[0] if len(inner) == 1 and not any(child.is_file() for child in folder.iterdir()) else folder


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
