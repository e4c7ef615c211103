"""Dramatiq's queues seen from outside a worker: counts, dead letters, retry, purge.

Dramatiq has no API to list queues or read dead letters, so those reads go to Redis directly. Every
key this module touches is named in ``_Keys`` and ``_discover``: they read the layout of dramatiq
2.2.1's RedisBroker (its brokers/redis/dispatch.lua); check them when Dramatiq is upgraded. Writes go
through the broker (``enqueue``, ``flush``) except dropping only the dead letters, which it cannot do.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dramatiq import Message, Middleware
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import q_name

from mybigmovie.settings import Settings

# The options a failure leaves on a message: a retried dead letter starts again with none of them.
_FAILURE_OPTIONS = {"retries", "traceback", "requeue_timestamp", "eta", "redis_message_id"}
_QUEUE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9._-]*")  # what dramatiq's actor.py accepts as a queue name


class UnknownQueue(LookupError):
    pass


class UnknownMessage(LookupError):
    pass


@dataclass(frozen=True)
class QueueStats:
    name: str
    ready: int        # waiting for a worker
    delayed: int      # waiting for their time (retries backing off, send_with_options(delay=...))
    in_progress: int  # fetched by a worker (running or prefetched) and not acked yet
    dead: int

    @property
    def total(self) -> int:
        """What a purge of the whole queue removes."""
        return self.ready + self.delayed + self.dead


@dataclass(frozen=True)
class DeadLetter:
    message_id: str  # Redis's id for this copy of the message (retry takes it), not Message.message_id
    actor_name: str
    args: tuple
    kwargs: dict
    died_at: datetime
    failures: int  # Dramatiq's "retries" option: the failures its Retries middleware counted
    error: str | None  # the traceback's last line, e.g. "ConnectionRefusedError: smtp down"


def operator_broker(settings: Settings) -> RedisBroker:
    """A broker on the workers' queues for whoever operates them (the CLI, the operator page): every
    queue the actors use is listed, even before Redis has a key for it, and a Redis that does not
    answer fails a command within seconds, not after TCP's minutes."""
    from workers import actors  # importing the actors declares their queues on the workers' broker
    from workers.broker import make_broker
    parts = urlsplit(settings.redis_url)
    query = {"socket_connect_timeout": "3", "socket_timeout": "10", **dict(parse_qsl(parts.query))}
    broker = make_broker(urlunsplit(parts._replace(query=urlencode(query))), settings.queue_namespace)
    for queue in actors.broker.get_declared_queues():
        broker.declare_queue(queue)
    return broker


def queue_stats(broker: RedisBroker) -> list[QueueStats]:
    """Every queue with messages in Redis, and every queue the broker declares even when empty."""
    held_by_workers = _discover(broker)
    names = sorted(set(held_by_workers) | broker.get_declared_queues())
    pipe = broker.client.pipeline(transaction=False)
    for name in names:
        keys = _Keys.of(broker, name)
        pipe.llen(keys.ready).hlen(keys.delayed).zcard(keys.dead)
        for ack_set in held_by_workers.get(name, []):
            pipe.scard(ack_set)
    counts, stats = iter(pipe.execute()), []
    for name in names:
        ready, delayed, dead = next(counts), next(counts), next(counts)
        in_progress = sum(next(counts) for _ in held_by_workers.get(name, []))
        stats.append(QueueStats(name, ready, delayed, in_progress, dead))
    return stats


def dead_letters(broker: RedisBroker, queue: str, limit: int | None = None) -> list[DeadLetter]:
    """The queue's dead letters, newest first."""
    if limit is not None and limit < 1:
        return []
    keys = _Keys.of(broker, queue)
    dated = broker.client.zrevrange(keys.dead, 0, -1 if limit is None else limit - 1, withscores=True)
    if not dated:
        _check_queue(broker, queue)
        return []
    found = broker.client.hmget(keys.dead_messages, [message_id for message_id, _ in dated])
    return [_dead_letter(message_id.decode(), died_ms, Message.decode(data))
            for (message_id, died_ms), data in zip(dated, found) if data is not None]


def retry(broker: RedisBroker, queue: str, message_id: str) -> Message:
    """Put one dead letter back on its queue as a fresh message (no retries, no traceback).

    Enqueued before it leaves the dead letters: a crash in between runs it twice rather than never,
    which the actors, idempotent, are written for."""
    keys = _Keys.of(broker, queue)
    data = broker.client.hget(keys.dead_messages, message_id)
    if data is None:
        _check_queue(broker, queue)
        raise UnknownMessage(f"queue {queue!r} has no dead message {message_id!r}")
    message = Message.decode(data)
    clean_options = {k: v for k, v in message.options.items() if k not in _FAILURE_OPTIONS}
    # Not Message.copy: it merges options, and the failure's must go.
    enqueued = broker.enqueue(dataclasses.replace(message, queue_name=queue, options=clean_options))
    broker.client.pipeline().zrem(keys.dead, message_id).hdel(keys.dead_messages, message_id).execute()
    return enqueued


def requeue_dead(broker: RedisBroker, queue: str) -> int:
    """Retry every dead letter of the queue; how many went back."""
    message_ids = broker.client.zrange(_Keys.of(broker, queue).dead, 0, -1)
    if not message_ids:
        _check_queue(broker, queue)
    count = 0
    for message_id in message_ids:
        try:
            retry(broker, queue, message_id.decode())
            count += 1
        except UnknownMessage:
            pass  # retried or purged by someone else meanwhile
    return count


def purge(broker: RedisBroker, queue: str, dead_only: bool = False) -> int:
    """Drop the queue's dead letters, or every message that is not in a worker's hands; how many."""
    stats = stats_of(broker, queue)
    if dead_only:
        keys = _Keys.of(broker, queue)
        broker.client.delete(keys.dead, keys.dead_messages)
        return stats.dead
    broker.flush(queue)  # ready, delayed and dead
    return stats.total


def stats_of(broker: RedisBroker, queue: str) -> QueueStats:
    for stats in queue_stats(broker):
        if stats.name == queue:
            return stats
    raise UnknownQueue(f"no queue is called {queue!r}")


class KeepLastError(Middleware):
    """Make a dead letter carry the error it died of.

    Dramatiq dead-letters the copy it stored when the message was last enqueued: the options the
    Retries middleware set on the final failure (traceback, retries) never reach Redis, so a dead
    letter would show the attempt before last's error, or none with max_retries=0. Just before the
    nack moves it, this writes the message as it failed over that stored copy."""

    def before_nack(self, broker: RedisBroker, message) -> None:
        keys = _Keys.of(broker, message.queue_name)
        broker.client.eval(_REPLACE_IF_PRESENT, 1, keys.messages, message.options["redis_message_id"],
                           message.encode())


_REPLACE_IF_PRESENT = """
if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then redis.call('hset', KEYS[1], ARGV[1], ARGV[2]) end
"""


@dataclass(frozen=True)
class _Keys:
    """Where dramatiq 2.2.1's RedisBroker keeps one queue (see its brokers/redis/dispatch.lua)."""
    ready: str          # list of the ids no worker has fetched yet
    messages: str       # hash id -> message, ready and in progress
    delayed: str        # hash id -> message of queue.DQ, waiting for their eta (fetched or not)
    dead: str           # sorted set id -> when it died, in ms
    dead_messages: str  # hash id -> message

    @classmethod
    def of(cls, broker: RedisBroker, queue: str) -> _Keys:
        key = f"{broker.namespace}:{queue}"
        return cls(key, f"{key}.msgs", f"{key}.DQ.msgs", f"{key}.XQ", f"{key}.XQ.msgs")


def _discover(broker: RedisBroker) -> dict[str, list[str]]:
    """The queues that have keys in Redis, each with the ack sets of the workers holding its messages.

    Only Dramatiq's key shapes count: the web app keeps sessions and throttles under the same
    prefix, always with a further ":" (which no queue name has). A worker's fetched-but-unacked ids
    are in ``{ns}:__acks__.{worker id}.{queue}``; worker ids are uuid4s, so the first dot ends them.
    Ack sets of ``queue.DQ`` hold delayed messages waiting in a worker: counted as delayed, not here."""
    prefix = f"{broker.namespace}:"
    queues: dict[str, list[str]] = {}
    for key in broker.client.scan_iter(match=re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*", count=1000):
        key = key.decode()
        name, ack_set = key[len(prefix):], None
        if name.startswith("__acks__."):
            queue = name[len("__acks__."):].partition(".")[2]
            ack_set = None if queue.endswith(".DQ") else key
        elif name.endswith(".msgs"):
            queue = name[:-len(".msgs")]
        elif name.endswith(".XQ"):
            queue = name
        else:
            continue
        if _QUEUE_NAME.fullmatch(queue := q_name(queue)):
            queues.setdefault(queue, []).extend([ack_set] if ack_set else [])
    return queues


def _check_queue(broker: RedisBroker, queue: str) -> None:
    if queue not in broker.get_declared_queues() and queue not in _discover(broker):
        raise UnknownQueue(f"no queue is called {queue!r}")


def _dead_letter(message_id: str, died_ms: float, message: Message) -> DeadLetter:
    traceback = (message.options.get("traceback") or "").strip()
    return DeadLetter(message_id, message.actor_name, tuple(message.args), dict(message.kwargs),
                      datetime.fromtimestamp(died_ms / 1000, timezone.utc), message.options.get("retries", 0),
                      traceback.splitlines()[-1] if traceback else None)
