"""Verbs that read and rebuild from the log: replay, audit, events."""
from __future__ import annotations

import argparse
import json
import uuid

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from commands.keyring import personal_data
from domain.accounts import stream_for
from domain.errors import InvalidInput
from domain.events import AccountDeleted, Sealed, to_document
from mybigmovie.bootstrap import Services
from mybigmovie.migrations import seal_personal_data
from projections.replay import replay

console = Console()


def register(subparsers) -> None:
    parser = subparsers.add_parser("replay", help="rebuild every read model from the event log")
    parser.add_argument("--only", metavar="NAME", help="rebuild one read model (e.g. user_profiles)")
    parser.set_defaults(handler=run_replay)
    parser = subparsers.add_parser("migrate", help="run the log's one-off migrations (seal personal data)")
    parser.set_defaults(handler=run_migrate)
    parser = subparsers.add_parser("audit", help="print one user's full event history")
    parser.add_argument("user", help="the user's e-mail address or id")
    parser.set_defaults(handler=run_audit)
    parser = subparsers.add_parser("events", help="print the event log (tail it with --follow)")
    parser.add_argument("--after", type=int, default=None, help="start after this position (default: the last 20)")
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing new events as they come")
    parser.set_defaults(handler=run_events)


async def run_replay(args, services: Services) -> int:
    projections = [p for p in services.projector.projections if args.only in (None, p.name)]
    if not projections:
        raise InvalidInput(f"no read model is called {args.only!r}")
    with _progress_bar() as bar:
        task = bar.add_task("replaying", total=None)
        built = await replay(services.store, services.registry, projections,
                             progress=lambda done, total: bar.update(task, completed=done, total=total))
    for generation in built.values():
        console.print(f"{generation.name}: rebuilt into {generation.collection} up to position {generation.checkpoint}")
    return 0


async def run_migrate(args, services: Services) -> int:
    await migrate(services)
    return 0


async def migrate(services: Services) -> None:
    """Seal the personal data of accounts recorded before it was sealed, then rebuild the read models."""
    with _progress_bar() as bar:
        task = bar.add_task("sealing accounts", total=None)
        count = await seal_personal_data(services.store, services.keyring,
                                         progress=lambda done, total: bar.update(task, completed=done, total=total))
    if count:
        console.print(f"{count} account(s) migrated: personal data sealed, new user ids. Rebuilding read models…")
        await run_replay(argparse.Namespace(only=None), services)


async def run_audit(args, services: Services) -> int:
    user_id = args.user if _is_uuid(args.user) else await services.keyring.owner(args.user)
    history = await services.store.read_stream(stream_for(user_id)) if user_id else []
    if not history:
        console.print(f"No account for {args.user} (none was ever made, or it was erased: an erased member "
                      f"is found by user id only).")
        return 1
    erased = any(isinstance(r.event, AccountDeleted) for r in history)
    readable = await personal_data(services.keyring, user_id, [r.event for r in history]) is not None
    status = "deleted member, personal data erased" if erased and not readable else (
        "personal data readable" if readable else "personal data unreadable (no key)")
    table = Table(title=f"user {user_id}: {len(history)} events · {status}", show_lines=False)
    for column in ("position", "version", "when (UTC)", "event", "details"):
        table.add_column(column)
    for recorded in history:
        document = to_document(recorded.event)
        details = {k: v for k, v in document.items()
                   if k not in ("type", "event_id", "stream", "occurred_at", "user_id", "personal")}
        if isinstance(sealed := getattr(recorded.event, "personal", None), Sealed):
            opened = await services.keyring.open(user_id, sealed)
            details |= {k: ("(hidden)" if k == "password_hash" else v) for k, v in opened.items()} if opened \
                else {"personal": "[erased]"}
        table.add_row(str(recorded.position), str(recorded.version),
                      recorded.event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), document["type"],
                      Text(json.dumps(details, default=str, ensure_ascii=False)))  # Text: no markup in data
    console.print(table)
    return 0


async def run_events(args, services: Services) -> int:
    store = services.store
    after = args.after if args.after is not None else max(0, await store.head() - 20)
    while True:
        for recorded in await store.read_all(after=after, limit=500):
            document = to_document(recorded.event)
            body = {k: ("[sealed]" if k == "personal" else v) for k, v in document.items()
                    if k not in ("type", "event_id", "password_hash")}
            line = f" {document['type']:<26} {json.dumps(body, default=str, ensure_ascii=False)}"
            console.print(Text.assemble((f"{recorded.position:>8}", "bold"), line), soft_wrap=True)  # no markup in data
            after = recorded.position
        if not args.follow:
            return 0
        await store.wait_for(after, timeout=5.0)


def _progress_bar() -> Progress:
    return Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
        return True
    except ValueError:
        return False


