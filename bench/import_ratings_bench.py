"""Importing a member's ratings: a 5,000-row Letterboxd file, end to end, against the real catalog.

    .venv/bin/python -m bench.import_ratings_bench [--data ../shared/data] [--rows 5000] [--seed 11]

Imports the catalog of --data into a fresh database (the embedded nx-27017 unless MONGODB_URL is
set; ~1 min), makes a member, then writes a Letterboxd ``ratings.csv`` from catalog titles with the
noise real files have — other titles (AKA) where the catalog knows one, missing years, typos, years
off by one, articles moved or dropped, subtitles dropped, and titles the catalog does not have —
and times the import as the web runs it (``mybigmovie.ratings_import.service.run_import``): parse,
match, append through the command handlers, and the read models caught up (the projector running
as in a web process). Since the bench knows what each row is, it reports the share matched, the
share matched *correctly*, and the wrong matches. Then the same file again (nothing may be
appended) and an IMDb export of the same titles (matched by IMDb id).

The catalog's names are loaded once per web process (the import page starts it while the member
picks a file); that load is timed on its own, and the import is timed with them loaded. Target:
the 5,000-row import in <= 5 s.

``--reuse``: run against the database MONGODB_URL/MONGODB_DATABASE as it is (it must hold the
catalog already): no import, nothing dropped. For repeated runs while tuning.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import random
import re
import string
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from bench.common import database_url, fresh_store, machine

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_import_ratings"
TARGET_SECONDS = 5.0
NOISE = (("clean", 50), ("aka", 10), ("no year", 8), ("typo", 10), ("year ±1", 8), ("article", 4),
         ("subtitle dropped", 4), ("not in catalog", 6))
_WORDS = ("velvet lantern harbor quiet orchard silver meridian hollow crimson winter paper echo falcon "
          "garden distant northern thunder glass river secret").split()


def report(label: str, value: str, extra: str = "") -> None:
    print(f"  {label:<62} {value:>10}{extra}", flush=True)


# --- the file ------------------------------------------------------------------------------------------

def noisy_rows(titles: list, popular: list[int], rows: int, rng: random.Random) -> list[tuple[str, int | None, float,
                                                                                                str, int | None]]:
    """(name, year, stars, noise, true movie id or None) per row: popular titles mostly, as members rate."""
    pool = popular[: max(rows * 3, 12_000)]
    chosen = rng.sample(pool, min(rows, len(pool)))
    by_id = {t.id: t for t in titles}
    kinds, weights = zip(*NOISE)
    found = []
    for movie_id in chosen:
        title = by_id[movie_id]
        noise = rng.choices(kinds, weights)[0]
        stars = rng.choice([x / 2 for x in range(1, 11)])
        name, year = title.title, title.year
        if noise == "aka":
            if title.aka:
                name = rng.choice(title.aka)
            else:
                noise = "clean"
        elif noise == "no year":
            year = None
        elif noise == "typo":
            name, changed = typo(name, rng)
            noise = noise if changed else "clean"
        elif noise == "year ±1":
            if year:
                year += rng.choice((-1, 1))
            else:
                noise = "clean"
        elif noise == "article":
            name, changed = moved_article(name, rng)
            noise = noise if changed else "clean"
        elif noise == "subtitle dropped":
            if ": " in name:
                name = name.split(": ", 1)[0]
            else:
                noise = "clean"
        elif noise == "not in catalog":
            name, year, movie_id = invented(rng), rng.randint(1950, 2023), None
        found.append((name, year, stars, noise, movie_id))
    return found


def typo(name: str, rng: random.Random) -> tuple[str, bool]:
    """One slip of the fingers in one word of four letters or more."""
    spots = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]{4,}", name)]
    if not spots:
        return name, False
    start, end = rng.choice(spots)
    word = name[start:end]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    elif kind == "drop":
        word = word[:at] + word[at + 1:]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1:]
    return name[:start] + word + name[end:], word != name[start:end]


def moved_article(name: str, rng: random.Random) -> tuple[str, bool]:
    for article in ("The ", "A ", "An "):
        if name.startswith(article) and len(name) > len(article) + 2:
            rest = name[len(article):]
            return (f"{rest}, {article.strip()}" if rng.random() < 0.5 else rest), True
    return name, False


def invented(rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in rng.sample(_WORDS, 3))


def letterboxd_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    for i, (name, year, stars, _, _) in enumerate(rows):
        writer.writerow([f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", name, year or "", f"https://boxd.it/b{i:05d}",
                         f"{stars:g}"])
    return out.getvalue().encode()


def imdb_csv(rows, titles) -> bytes:
    by_id = {t.id: t for t in titles}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type",
                     "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors"])
    for name, _, stars, _, movie_id in rows:
        if movie_id is None or not by_id[movie_id].imdb_id:
            continue
        title = by_id[movie_id]
        writer.writerow([title.imdb_id, int(stars * 2), "2024-05-01", title.title, title.title,
                         f"https://www.imdb.com/title/{title.imdb_id}/", "Movie", "7.1", "101", title.year or "",
                         "Drama", "12345", "", ""])
    return out.getvalue().encode()


# --- the run -------------------------------------------------------------------------------------------

async def member(services, email: str) -> str:
    from commands import messages as m
    from domain.accounts import new_user_id

    command_id = uuid.uuid4().hex
    await services.handlers.handle(m.SignUp(command_id=command_id, email=email, password="bench password 1",
                                            display_name="Bench member"))
    user_id = new_user_id(command_id, email)
    position = await services.handlers.handle(m.VerifyEmail(command_id=uuid.uuid4().hex, user_id=user_id,
                                                            email_version=1))
    await services.projector.wait_until(position, timeout=30)
    return user_id


async def timed_import(services, user_id: str, data: bytes, label: str):
    from mybigmovie.ratings_import import parse
    from mybigmovie.ratings_import.service import run_import

    marks: dict[str, float] = {}

    async def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, time.perf_counter())

    head = await services.store.head()
    started = time.perf_counter()
    parsed = parse(data)
    parsed_at = time.perf_counter()
    result = await run_import(services.handlers, services.reads, services.projector, user_id, parsed, progress)
    seconds = time.perf_counter() - started
    appended = await services.store.head() - head
    steps = [("parse", started, parsed_at), ("match", marks.get("matching", parsed_at), marks.get("saving")),
             ("append through the handlers", marks.get("saving"), marks.get("updating")),
             ("read models caught up", marks.get("updating"), started + seconds)]
    detail = ", ".join(f"{name} {end - begin:.2f} s" for name, begin, end in steps if begin and end)
    verdict = f"   target <= {TARGET_SECONDS:g} s: {'PASS' if seconds <= TARGET_SECONDS else 'FAIL'}"
    report(f"{label}: end to end", f"{seconds:.2f} s", verdict)
    print(f"      ({detail}; {appended:,} events appended; read models caught up: {result.settled})", flush=True)
    return result, appended


def accuracy(result, rows) -> None:
    from mybigmovie.ratings_import.plan import MATCHED

    by_noise: dict[str, Counter] = defaultdict(Counter)
    rated = len(rows)
    matched = correct = wrong_invented = 0
    for outcome, (_, _, _, noise, truth) in zip(result.outcomes, rows):
        tally = by_noise[noise]
        tally["rows"] += 1
        if outcome.status in MATCHED:
            matched += 1
            tally["matched"] += 1
            if truth is not None and outcome.choice == f"movie:{truth}":
                correct += 1
                tally["correct"] += 1
            elif truth is None:
                wrong_invented += 1
        else:
            tally[outcome.status] += 1
    in_catalog = sum(1 for row in rows if row[4] is not None)
    report("rows (all rated), of titles in the catalog", f"{rated:,}", f"   ({in_catalog:,} in the catalog)")
    report("share matched (as the report shows it)", f"{100 * matched / rated:.1f} %", f"   ({matched:,} rows)")
    report("share matched correctly, of the matched", f"{100 * correct / max(matched, 1):.2f} %",
           f"   ({matched - correct:,} wrong, {wrong_invented} of them invented titles)")
    report("share of the catalog's titles found correctly", f"{100 * correct / max(in_catalog, 1):.1f} %")
    print("      by noise: rows, matched correctly / wrongly, ambiguous, not found", flush=True)
    for noise, _ in NOISE:
        tally = by_noise.get(noise)
        if tally:
            print(f"        {noise:<18} {tally['rows']:>5}   {tally['correct']:>5} / {tally['matched'] - tally['correct']:<4}"
                  f"  {tally['ambiguous']:>4}  {tally['missing']:>5}", flush=True)


async def run(url: str, data_dir: Path, rows: int, seed: int, reuse: bool, database: str) -> None:
    from mybigmovie import bootstrap
    from mybigmovie.ratings_import.service import matcher
    from mybigmovie.settings import Settings
    from projections.registry import Registry
    from projections.title_names import title_names

    work = Path(tempfile.mkdtemp(prefix="mybigmovie-import-bench-"))
    settings = Settings(mongodb_url=url, database=database, redis_url="redis://127.0.0.1:6379/0", var_dir=work,
                        shared_data_dir=data_dir, host="127.0.0.1", port=0, smtp_host="127.0.0.1", smtp_port=1,
                        mail_from="bench@localhost", site_url="http://127.0.0.1", secret_key="b" * 64)
    async with contextlib.AsyncExitStack() as stack:
        if not reuse:
            from bench.web_bench import import_catalog
            _, db, store = await stack.enter_async_context(fresh_store(url, database))
            await import_catalog(store, Registry(db), data_dir, 0)
        services = await stack.enter_async_context(bootstrap.services(settings, url))
        await services.projector.run_once()
        projector = asyncio.create_task(services.projector.run_forever(poll_seconds=0.5))  # as in a web process
        try:
            started = time.perf_counter()
            await services.reads.catalog.refresh()
            report("set-up: the catalog in memory (as a web process at start)", f"{time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            names = await title_names(services.reads)
            built = await matcher(services.reads)
            report("the catalog's names loaded and indexed (once per process)", f"{time.perf_counter() - started:.1f} s",
                   f"   ({len(built):,} titles)")
            titles = [t for t in names.titles.values() if t.kind == "movie"]
            popular = services.reads.catalog.popular("movie")
            rng = random.Random(seed)
            file_rows = noisy_rows(titles, popular, rows, rng)
            data = letterboxd_csv(file_rows)
            print(f"  a Letterboxd ratings.csv of {len(file_rows):,} rows ({len(data) / 1024:.0f} KiB), noise: "
                  + ", ".join(f"{k} {v}" for k, v in Counter(r[3] for r in file_rows).most_common()), flush=True)

            user = await member(services, f"bench-{uuid.uuid4().hex[:8]}@example.org")
            result, _ = await timed_import(services, user, data, f"import of {len(file_rows):,} Letterboxd rows")
            accuracy(result, file_rows)
            check = await services.reads.member(user, at_least=2**62)
            report("ratings the member has afterwards (read model)", f"{len(check.ratings):,}")
            _, again = await timed_import(services, user, data, "the same file again")
            report("events appended by the second import", f"{again:,}", "   (must be 0)")

            imdb = imdb_csv(file_rows, titles)
            other = await member(services, f"bench-{uuid.uuid4().hex[:8]}@example.org")
            lines = imdb.count(b"\n") - 1
            result, _ = await timed_import(services, other, imdb, f"import of an IMDb export ({lines:,} rows)")
            matched = sum(1 for o in result.outcomes if o.status == "added")
            report("IMDb rows matched (by IMDb id)", f"{100 * matched / max(len(result.outcomes), 1):.1f} %")
        finally:
            projector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await projector


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="use MONGODB_URL/MONGODB_DATABASE as it is (holds the catalog)")
    args = parser.parse_args()
    if not args.reuse and not args.data.exists():
        print(f"no data at {args.data} (--data)", file=sys.stderr)
        return 2
    if args.reuse and not os.environ.get("MONGODB_URL"):
        print("--reuse needs MONGODB_URL (and MONGODB_DATABASE)", file=sys.stderr)
        return 2
    print(f"Ratings import benchmark on {machine()}", flush=True)
    with database_url() as (url, label):
        print(f"Database: {label}", flush=True)
        database = os.environ.get("MONGODB_DATABASE", DATABASE) if args.reuse else DATABASE
        asyncio.run(run(url, args.data, args.rows, args.seed, args.reuse, database))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
