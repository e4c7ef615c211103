"""Format detection: which data sets a file or folder holds, by the files' names and headers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from commands.importers.movielens import find
from commands.importers.rows import SourceError, open_text
from commands.importers.tvmaze_download import SHOWS_FILE


@dataclass(frozen=True)
class Source:
    kind: str  # one of KINDS
    path: Path
    name: str  # the data set: "ml-latest-small", "ml-100k", "tvmaze-api"…

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}) at {self.path}"


KINDS = ("movielens-csv", "ml-1m", "ml-100k", "movielens-extras", "tmdb", "imdb-episodes", "tvmaze-api",
         "tvmaze-episodes", "tvmaze-table")
_EXTRAS = ("average_ratings.csv", "movie_directors.csv", "movie_runtimes.csv")
_README_NAME = re.compile(r"\((ml-[a-z0-9-]+)\)")


def detect(path: Path, ignored: list[Path] | None = None, depth: int = 3) -> list[Source]:
    """Every data set under ``path`` (a file or a folder, searched ``depth`` levels down).

    Folders and files in no known format are appended to ``ignored`` (to be reported).
    """
    ignored = [] if ignored is None else ignored
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        if source := _file_source(path):
            return [source]
        if not _documentation(path):
            ignored.append(path)
        return []
    if found := _folder_sources(path):
        return found
    if depth == 0:
        ignored.append(path)
        return []
    children = sorted(child for child in path.iterdir() if not _documentation(child))
    return [source for child in children for source in detect(child, ignored, depth - 1)]


def _documentation(path: Path) -> bool:
    """READMEs, licences and notes beside the data: not data, not worth a warning."""
    return path.name.startswith(".") or path.suffix.lower() in (".md", ".txt", ".pdf", ".html") or \
        path.name.upper().startswith(("README", "LICENSE", "LICENCE"))


def _folder_sources(folder: Path) -> list[Source]:
    if find(folder, "movies.csv") and (find(folder, "links.csv") or find(folder, "ratings.csv")):
        return [Source("movielens-csv", folder, _release_name(folder))]
    if find(folder, "ratings.dat") and find(folder, "movies.dat"):
        return [Source("ml-1m", folder, "ml-1m")]
    if find(folder, "u.data") and find(folder, "u.item"):
        return [Source("ml-100k", folder, "ml-100k")]
    if (folder / "imdb_top_series.csv").exists() and find(folder, "imdb_episode_ratings.csv"):
        return [Source("imdb-episodes", folder, "imdb-episodes")]
    if any(find(folder, name) for name in _EXTRAS):
        return [Source("movielens-extras", folder, "ml-latest-extras")]
    if (shows := folder / SHOWS_FILE).exists():  # a --download tvmaze folder: that file, not the answers kept
        return [Source("tvmaze-api", shows, "tvmaze-api")]
    return []


def _file_source(path: Path) -> Source | None:
    name = path.name.lower()
    if name.startswith("tmdb_5000_movies.csv"):
        return Source("tmdb", path, "tmdb-5000")
    if name.endswith((".json", ".json.gz")) and "episodes" in name:
        return Source("tvmaze-episodes", path, "tvmaze-api")
    if name.endswith((".json", ".json.gz")) and "shows" in name:
        return Source("tvmaze-api", path, "tvmaze-api")
    if name.endswith((".csv", ".csv.gz")) and _header(path) >= {"Name", "Premiere Date", "End Date", "Genres"}:
        return Source("tvmaze-table", path, "tvmaze-table")
    return None


def _release_name(folder: Path) -> str:
    """The release a MovieLens CSV folder holds, as its README names it ("ml-latest-small")."""
    readme = folder / "README.txt"
    if readme.exists() and (match := _README_NAME.search(readme.read_text(errors="replace")[:2000])):
        return match.group(1)
    return folder.name if folder.name.startswith("ml-") else f"movielens-{folder.name}"


def _header(path: Path) -> set[str]:
    try:
        with open_text(path) as stream:
            return set(stream.readline().strip().split(","))
    except (SourceError, UnicodeDecodeError, OSError):
        return set()
