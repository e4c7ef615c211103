"""``mybigmovie queues``: Dramatiq's queues and their dead letters; retry, requeue or purge them.

    mybigmovie queues                              # every queue's counts, then its dead letters
    mybigmovie queues retry QUEUE MESSAGE_ID       # one dead letter back on its queue
    mybigmovie queues requeue-dead [QUEUE]         # every dead letter (of every queue) back
    mybigmovie queues purge QUEUE [--dead-only] [--yes]
"""
from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit, urlunsplit

import redis
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mybigmovie import queue_ops
from mybigmovie.bootstrap import Services

console = Console()


def register(subparsers) -> None:
    parser = subparsers.add_parser("queues", help="the workers' queues and dead letters (retry, purge)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=10, help="dead letters shown per queue (default 10)")
    parser.set_defaults(handler=run_overview)
    actions = parser.add_subparsers(dest="action", metavar="[ACTION]")
    retry = actions.add_parser("retry", help="put one dead letter back on its queue")
    retry.add_argument("queue")
    retry.add_argument("message_id", help="the id `mybigmovie queues` shows")
    retry.set_defaults(handler=run_retry)
    requeue = actions.add_parser("requeue-dead", help="put every dead letter back on its queue")
    requeue.add_argument("queue", nargs="?", help="only this queue's (default: every queue's)")
    requeue.set_defaults(handler=run_requeue_dead)
    purge = actions.add_parser("purge", help="drop a queue's messages: ready, delayed and dead")
    purge.add_argument("queue")
    purge.add_argument("--dead-only", action="store_true", help="drop only the dead letters")
    purge.add_argument("--yes", action="store_true", help="do not ask (required when not on a terminal)")
    purge.set_defaults(handler=run_purge)


async def run_overview(args, services: Services) -> int:
    return _operate(services, lambda broker: _overview(broker, args.limit))


async def run_retry(args, services: Services) -> int:
    def retry(broker) -> None:
        message = queue_ops.retry(broker, args.queue, args.message_id)
        console.print(Text(f"{args.queue}: {message.actor_name} is back on the queue"))
    return _operate(services, retry)


async def run_requeue_dead(args, services: Services) -> int:
    def requeue(broker) -> None:
        names = [args.queue] if args.queue else [s.name for s in queue_ops.queue_stats(broker) if s.dead]
        for name in names:
            console.print(Text(f"{name}: {queue_ops.requeue_dead(broker, name)} dead letter(s) requeued"))
        if not names:
            console.print("No dead letters.")
    return _operate(services, requeue)


async def run_purge(args, services: Services) -> int:
    def purge(broker) -> int:
        stats = queue_ops.stats_of(broker, args.queue)
        count = stats.dead if args.dead_only else stats.total
        if not args.yes:
            if not sys.stdin.isatty():
                print(f"mybigmovie: not purging {args.queue}: add --yes to purge without a terminal to ask on",
                      file=sys.stderr)
                return 1
            if input(f"Purge {count} messages from {args.queue}? [y/N] ").strip().lower() not in ("y", "yes"):
                console.print("Nothing purged.")
                return 0
        purged = queue_ops.purge(broker, args.queue, dead_only=args.dead_only)
        console.print(Text(f"{args.queue}: {purged} message(s) purged"))
        return 0
    return _operate(services, purge)


def _operate(services: Services, action) -> int:
    """Run ``action`` on a broker for the configured Redis: an unknown name or a Redis that does not
    answer is one line on stderr and exit code 1."""
    url = services.settings.redis_url
    broker = queue_ops.operator_broker(services.settings)
    try:
        return action(broker) or 0
    except (queue_ops.UnknownQueue, queue_ops.UnknownMessage) as error:
        print(f"mybigmovie: {error.args[0]}", file=sys.stderr)
    except (redis.ConnectionError, redis.TimeoutError):
        print(f"mybigmovie: Redis at {_without_password(url)} is not answering", file=sys.stderr)
    finally:
        broker.client.close()
    return 1


def _overview(broker, limit: int) -> None:
    all_stats = queue_ops.queue_stats(broker)
    table = Table(title="queues")
    for column in ("queue", "ready", "delayed", "in progress", "dead"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for stats in all_stats:
        table.add_row(Text(stats.name), *(str(n) for n in (stats.ready, stats.delayed, stats.in_progress, stats.dead)))
    console.print(table)
    for stats in (s for s in all_stats if s.dead):
        console.print(Text(f"\n{stats.name}: {stats.dead} dead letter(s), newest first", style="bold"))
        for letter in queue_ops.dead_letters(broker, stats.name, limit):
            call = ", ".join([*map(repr, letter.args), *(f"{k}={v!r}" for k, v in letter.kwargs.items())])
            console.print(Text(f"  {letter.message_id}  {letter.died_at:%Y-%m-%d %H:%M:%S} UTC  "
                               f"{letter.actor_name}({call})  failed {letter.failures}×\n"
                               f"      {letter.error or '(no error recorded)'}"), soft_wrap=True)
        if stats.dead > limit:
            console.print(f"  … {stats.dead - limit} more")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))
