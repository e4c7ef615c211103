"""Running an import: match the parsed rows, record the new ratings through the command handlers,
wait until the read models show them. Shared by the web (``web/controllers/ratings_import.py``,
in a background task with its progress on the page) and the benchmark.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from commands.handlers import CommandHandlers
from domain.errors import UnknownUser
from mybigmovie.ratings_import.formats import Parsed
from mybigmovie.ratings_import.matching import Match, TitleMatcher
from mybigmovie.ratings_import.plan import Outcome, plan
from projections.read_side import ReadSide
from projections.title_names import title_names

EVERYTHING = 2**62  # read the member afresh (as web.deps does)
SETTLE_SECONDS = 120  # how long the read models get to show a big import before the report says "soon"

Progress = Callable[[str, int, int], Awaitable[None]]  # (stage, done, total)


@dataclass(frozen=True)
class Result:
    source: str
    outcomes: list[Outcome]
    added: int  # titles rated by this import
    settled: bool  # the read models show every rating recorded
    seconds: float


async def _no_progress(stage: str, done: int, total: int) -> None:
    return None


_matchers: dict[int, tuple[object, int, TitleMatcher]] = {}  # id(names) -> (names, version, matcher)


async def matcher(reads: ReadSide) -> TitleMatcher:
    """The catalog's names as a TitleMatcher, built again only when a name, year or id changed."""
    names = await title_names(reads)
    kept = _matchers.get(id(names))
    if kept is not None and kept[0] is names and kept[1] == names.version:
        return kept[2]
    version, titles = names.version, list(names.titles.values())  # a snapshot: the names move on meanwhile
    built = await asyncio.to_thread(TitleMatcher, titles)
    _matchers.clear()
    _matchers[id(names)] = (names, version, built)
    return built


async def run_import(handlers: CommandHandlers, reads: ReadSide, projector, user_id: str, parsed: Parsed,
                     progress: Progress = _no_progress) -> Result:
    started = time.perf_counter()
    total = len(parsed.rows)
    await progress("matching", 0, total)
    titles = await matcher(reads)
    rows = parsed.rows
    matches: list[Match] = []
    step = 2000  # in slices, off the event loop, so pages go on being served and the progress moves
    for start in range(0, total, step):
        matches += await asyncio.to_thread(lambda part: [titles.match(row) for row in part], rows[start:start + step])
        await progress("matching", min(start + step, total), total)
    # The names may be minutes old: only titles the catalog in memory lists are rated. Not refreshed
    # for this once loaded (pages refresh it; a refresh after a big import reads every title it rated).
    catalog = reads.catalog if reads.catalog.movies or reads.catalog.shows else await reads.catalog.fresh()
    listed = {"movie": catalog.movies, "show": catalog.shows}
    matches = [Match("missing", why="no longer in the catalog")
               if match.title and match.title.id not in listed[match.title.kind] else match for match in matches]
    member = await reads.member(user_id, at_least=EVERYTHING)
    if member is None:
        raise UnknownUser("There is no such member.")
    decided = plan(user_id, parsed, matches, member.ratings, member.show_ratings)
    to_add, done, position = decided.to_add, 0, 0
    await progress("saving", 0, to_add)
    for command in decided.commands:
        head = await handlers.handle(command)  # a batch seen before returns what it recorded
        position = max(position, head)
        done += len(command.ratings)
        await progress("saving", done, to_add)
    settled = True
    if position:
        waited = 0.0
        while True:  # in slices, saying each time that it is still alive
            await progress("updating", done, to_add)
            settled = await projector.wait_until(position, timeout=5)
            waited += 5
            if settled or waited >= SETTLE_SECONDS:
                break
    reads.forget(user_id)
    return Result(parsed.source, decided.outcomes, to_add, settled, time.perf_counter() - started)
