"""``mybigmovie import``: data sets into the event log, with a progress bar and a report.

    mybigmovie import                      # ../shared/data when it exists, else what data/ carries
    mybigmovie import PATH...              # files or folders, formats detected
    mybigmovie import --download ml-1m     # the official GroupLens archive (checksum checked)
    mybigmovie import --download tvmaze --max-shows 2000   # the heaviest TVmaze shows, with episodes
    mybigmovie import --synthetic 1m       # a generated history over the catalog, for benchmarks only
"""
from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from commands.importers import ImportOptions, ImportReport, detect, import_sources
from commands.importers.download import CHECKSUMS, GROUPLENS, DownloadError, download
from commands.importers.history import SourceChanged
from commands.importers.rows import SourceError
from commands.importers.synthetic import SIZES
from commands.importers.synthetic_import import import_synthetic
from commands.importers.tvmaze_download import MAX_SHOWS, TVMAZE, Api, download_tvmaze
from mybigmovie.bootstrap import Services
from mybigmovie.settings import ROOT
from projections.runner import catch_up

# Beside the code in a checkout; in the working directory when the package is installed (the image's /app).
DATA = next((path for path in (ROOT / "data", Path.cwd() / "data") if (path / "demo").is_dir()), ROOT / "data")
# What the repository carries (data/demo/README.md): data/demo, the small set the tests search, and
# data/catalog, the full MovieLens catalog; imported together where ../shared/data is not there.
DEMO, CATALOG = DATA / "demo", DATA / "catalog"
console = Console()


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import movies, shows and rating histories into the log",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path,
                        help="files or folders (default: the shared data, else data/demo and data/catalog)")
    parser.add_argument("--download", choices=[*sorted(CHECKSUMS), "tvmaze"], action="append", default=[],
                        help="fetch and import an official MovieLens archive, or TV shows with their "
                             "episodes from TVmaze's API (CC BY-SA 4.0)")
    parser.add_argument("--mirror", default=GROUPLENS, help="where to download MovieLens from (default: GroupLens)")
    parser.add_argument("--md5", help="the archive's checksum, when a mirror serves another archive")
    parser.add_argument("--max-shows", type=_positive, default=MAX_SHOWS,
                        help="with --download tvmaze: the N shows of most weight (default %(default)s)")
    parser.add_argument("--tvmaze-url", default=TVMAZE, help="TVmaze's API, or a mirror of it (default %(default)s)")
    parser.add_argument("--synthetic", metavar="SIZE", type=_size,
                        help=f"generate a history for benchmarks: {', '.join(SIZES)} or a number of ratings")
    parser.add_argument("--seed", type=int, default=42, help="of the synthetic history (default 42)")
    parser.add_argument("--min-ratings", type=int, default=ImportOptions.min_ratings,
                        help="list catalog movies with at least this many real ratings (default %(default)s)")
    parser.add_argument("--all-shows", action="store_true", help="also list IMDb series TVmaze does not describe")
    parser.add_argument("--strict", action="store_true", help="reject a whole file for one malformed row")
    parser.add_argument("--no-project", action="store_true", help="leave the read models to the site to update")
    parser.set_defaults(handler=run)


async def run(args, services: Services) -> int:
    """Import what the arguments name; 0 on success, 1 when a source was rejected (nothing of it written)."""
    options = ImportOptions(min_ratings=args.min_ratings, all_shows=args.all_shows, strict=args.strict)
    reports = []
    try:
        with _Bars() as bars:
            paths = list(args.paths) or ([] if args.download or args.synthetic else default_data(services))
            for name in args.download:
                if name == "tvmaze":
                    paths.append(await _download_tvmaze(args, services, bars))
                    continue
                paths.append(await asyncio.to_thread(download, name, services.settings.var_dir / "downloads",
                                                     args.mirror, args.md5, bars.bytes_step(f"download {name}")))
            if paths:
                reports.append(await _import_paths(services, paths, options, bars))
            if args.synthetic:
                reports.append(await import_synthetic(services.store, args.synthetic, args.seed, bars.step))
            if not args.no_project:
                await _project(services, bars)
    except (SourceError, SourceChanged, DownloadError) as error:
        console.print(f"[red]import rejected:[/red] {escape(str(error))}")
        return 1
    for report in reports:
        _print(report, services)
    return 1 if any(report.errors for report in reports) else 0


async def seed_if_empty(services: Services) -> ImportReport | None:
    """On a fresh database, import the shared data (or else what data/ carries) so the site opens full of titles."""
    if await services.store.head() > 0:
        return None
    with _Bars() as bars:
        try:
            report = await _import_paths(services, default_data(services), ImportOptions(), bars)
        except (SourceError, SourceChanged) as error:  # a damaged shared folder must not keep the site down
            console.print(f"[red]import rejected:[/red] {escape(str(error))}; importing the carried data instead")
            report = await _import_paths(services, carried(), ImportOptions(), bars)
        await _project(services, bars)
    _print(report, services)
    return report


def default_data(services: Services) -> list[Path]:
    shared = services.settings.shared_data_dir
    return [shared] if shared.is_dir() else carried()


def carried() -> list[Path]:
    return [DEMO, CATALOG]


async def _download_tvmaze(args, services: Services, bars: "_Bars") -> Path:
    """Fetch (or take from var/downloads/tvmaze, where an interrupted run left it) the shows to import."""
    folder = services.settings.var_dir / "downloads" / "tvmaze"
    fetched = await asyncio.to_thread(download_tvmaze, folder, Api(args.tvmaze_url), args.max_shows, bars.absolute)
    bars.note(f"TVmaze: {fetched.shows:,} shows in {fetched.path} (from {args.tvmaze_url}: {fetched.fetched:,} "
              f"fetched, {fetched.cached:,} kept from an earlier run); TVmaze data is CC BY-SA 4.0")
    if fetched.gone:
        bars.note(f"TVmaze no longer has {len(fetched.gone):,} show(s) its index names: "
                  + ", ".join(map(str, fetched.gone[:10])))
    return fetched.path


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _size(text: str) -> int:
    try:
        size = SIZES.get(text.lower()) or int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(SIZES)} nor a number") from None
    if size <= 0:
        raise argparse.ArgumentTypeError("a history needs at least one rating")
    return size


async def _import_paths(services: Services, paths: list[Path], options: ImportOptions, bars: "_Bars") -> ImportReport:
    ignored: list[Path] = []
    sources = [source for path in paths for source in detect(path, ignored)]
    if not sources:
        raise SourceError(f"no data set in a known format under {', '.join(map(str, paths))}")
    bars.note(f"importing {len(sources)} data set(s)")
    report = await import_sources(services.store, sources, options, bars.step)
    report.ignored += [str(path) for path in ignored]
    return report


async def _project(services: Services, bars: "_Bars") -> None:
    """Bring every read model up to the log, so the site shows the import at once."""
    await catch_up(services.store, services.registry, services.projector.projections, page_size=5000,
                   progress=lambda done, total: bars.absolute("read models", done, total))
    await services.projector.run_once()


def _print(report: ImportReport, services: Services) -> None:
    for line in report.summary():
        console.print(line, highlight=False)
    if report.notes:
        folder = services.settings.var_dir / "import-reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / time.strftime("%Y%m%d-%H%M%S.txt")
        path.write_text("\n".join(report.notes + [str(p) for p in report.problems.found]) + "\n")
        console.print(f"{len(report.notes):,} notes on joins (what did not match, and why): {path}", highlight=False)
        for note in report.notes[:3]:
            console.print(f"  {note}", highlight=False)


class _Bars:
    """One rich progress bar per import step, created when the step reports first."""

    def __init__(self) -> None:
        self.progress = Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console)
        self.tasks: dict[str, int] = {}

    def step(self, name: str, advance: int, total: int | None) -> None:
        """``advance`` more of ``total`` done in step ``name``."""
        self.progress.update(self._task(name, total), advance=advance, total=total)

    def absolute(self, name: str, done: int, total: int | None) -> None:
        """``done`` of ``total`` done in step ``name``."""
        self.progress.update(self._task(name, total), completed=done, total=total)

    def bytes_step(self, name: str):
        return lambda done, total: self.absolute(name, done, total)

    def _task(self, name: str, total: int | None) -> int:
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=total)
        return self.tasks[name]

    def note(self, text: str) -> None:
        self.progress.console.print(text, highlight=False)

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.progress.__exit__(*exc_info)
