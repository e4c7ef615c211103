"""Operating Dramatiq's queues from outside: the real Redis, real workers, actors that really fail."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import dramatiq
import pytest

# Before workers.broker is imported (by this module or another): its broker must not be the real one.
os.environ.setdefault("MYBIGMOVIE_QUEUE_NAMESPACE", f"mybigmovie-test-{uuid.uuid4().hex[:8]}")

from mybigmovie import queue_ops  # noqa: E402
from mybigmovie.queue_ops import KeepLastError, QueueStats  # noqa: E402
from workers.broker import make_broker  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
AN_HOUR_MS = 3_600_000


@pytest.fixture
def broker():
    """A broker of its own namespace, set up as the workers' is (with KeepLastError)."""
    namespace = f"mybigmovie-test-{uuid.uuid4().hex[:12]}"
    broker = make_broker(REDIS_URL, namespace=namespace)
    broker.add_middleware(KeepLastError())
    yield broker
    broker.flush_all()
    if keys := list(broker.client.scan_iter(f"{namespace}:*")):  # heartbeats, ack sets, web-style keys
        broker.client.delete(*keys)
    broker.client.close()


@pytest.fixture
def mailer(broker):
    """A sync actor on the "outbox" queue that fails as an SMTP server that is down does, until fixed."""
    state = SimpleNamespace(down=True, sent=[], attempts=0)

    def send_mail(to: str) -> None:
        state.attempts += 1
        if state.down:
            raise ConnectionRefusedError(f"smtp down (attempt {state.attempts})")
        state.sent.append(to)
    state.actor = dramatiq.actor(send_mail, broker=broker, queue_name="outbox", max_retries=0)
    return state


@contextlib.contextmanager
def running_worker(broker):
    worker = dramatiq.Worker(broker, worker_timeout=100)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def stats(broker, queue: str = "outbox") -> QueueStats:
    return queue_ops.stats_of(broker, queue)


def processed(broker, queue: str = "outbox") -> None:
    broker.join(queue, timeout=10_000)  # ready, delayed and in progress: all gone (done or dead)


def dead_mail(broker, mailer, *recipients: str) -> None:
    with running_worker(broker):
        for to in recipients:
            mailer.actor.send(to)
        processed(broker)


def test_a_failed_message_is_a_dead_letter_with_the_error_it_died_of(broker, mailer):
    # when a mail cannot be sent and the actor has no retries left
    dead_mail(broker, mailer, "ann@example.org")
    # then the queue counts one dead letter, and the letter says what, when and why
    assert stats(broker) == QueueStats("outbox", ready=0, delayed=0, in_progress=0, dead=1)
    [letter] = queue_ops.dead_letters(broker, "outbox", limit=10)
    assert (letter.actor_name, letter.args, letter.kwargs) == ("send_mail", ("ann@example.org",), {})
    assert letter.error == "ConnectionRefusedError: smtp down (attempt 1)"
    assert letter.failures == 1
    assert timedelta(0) <= datetime.now(timezone.utc) - letter.died_at < timedelta(minutes=1)


def test_the_error_shown_is_the_last_attempts_not_the_one_before(broker):
    attempts = []

    def flaky() -> None:
        attempts.append(1)
        raise TimeoutError(f"attempt {len(attempts)} timed out")
    dramatiq.actor(flaky, broker=broker, queue_name="outbox", max_retries=2, min_backoff=1, max_backoff=10).send()
    with running_worker(broker):
        processed(broker)
    [letter] = queue_ops.dead_letters(broker, "outbox")
    assert len(attempts) == 3
    assert (letter.error, letter.failures) == ("TimeoutError: attempt 3 timed out", 3)


def test_retry_puts_a_dead_letter_back_as_a_fresh_message(broker, mailer):
    dead_mail(broker, mailer, "ann@example.org")
    [letter] = queue_ops.dead_letters(broker, "outbox")
    with running_worker(broker):
        # when it is retried while the server is still down, it dies again: counted from zero
        queue_ops.retry(broker, "outbox", letter.message_id)
        processed(broker)
        [again] = queue_ops.dead_letters(broker, "outbox")
        assert (again.failures, again.error) == (1, "ConnectionRefusedError: smtp down (attempt 2)")
        # when the server is back and it is retried, the mail goes out and no dead letter is left
        mailer.down = False
        queue_ops.retry(broker, "outbox", again.message_id)
        processed(broker)
    assert mailer.sent == ["ann@example.org"]
    assert stats(broker).dead == 0
    with pytest.raises(queue_ops.UnknownMessage):
        queue_ops.retry(broker, "outbox", again.message_id)  # it is not dead any more


def test_requeue_dead_sends_every_dead_letter_back_and_counts_them(broker, mailer):
    dead_mail(broker, mailer, "ann@example.org", "bob@example.org", "cy@example.org")
    assert stats(broker).dead == 3
    mailer.down = False
    with running_worker(broker):
        assert queue_ops.requeue_dead(broker, "outbox") == 3
        processed(broker)
    assert sorted(mailer.sent) == ["ann@example.org", "bob@example.org", "cy@example.org"]
    assert stats(broker).dead == 0
    assert queue_ops.requeue_dead(broker, "outbox") == 0


@pytest.mark.parametrize("dead_only, purged, left", [(True, 1, (2, 1, 0)), (False, 4, (0, 0, 0))])
def test_purge_empties_the_queue_or_only_its_dead_letters(broker, mailer, dead_only, purged, left):
    # given one dead letter, two mails ready and one delayed for an hour (no worker running)
    dead_mail(broker, mailer, "ann@example.org")
    mailer.actor.send("bob@example.org")
    mailer.actor.send("cy@example.org")
    mailer.actor.send_with_options(args=("dee@example.org",), delay=AN_HOUR_MS)
    assert stats(broker) == QueueStats("outbox", ready=2, delayed=1, in_progress=0, dead=1)
    # when it is purged
    assert queue_ops.purge(broker, "outbox", dead_only=dead_only) == purged
    # then only what was asked for is gone
    after = stats(broker)
    assert (after.ready, after.delayed, after.dead) == left


def test_a_message_a_worker_is_running_counts_as_in_progress(broker):
    release = threading.Event()

    def wait_for_release() -> None:
        release.wait(10)
    dramatiq.actor(wait_for_release, broker=broker, queue_name="slow").send()
    with running_worker(broker):
        try:
            held = poll(lambda: stats(broker, "slow"), until=lambda s: s.in_progress == 1)
            assert held == QueueStats("slow", ready=0, delayed=0, in_progress=1, dead=0)
        finally:
            release.set()
        processed(broker, "slow")
    assert stats(broker, "slow") == QueueStats("slow", ready=0, delayed=0, in_progress=0, dead=0)


def test_only_dramatiqs_keys_are_queues_and_declared_queues_show_when_empty(broker, mailer):
    # given the web app's keys under the same prefix, and a queue only another process declared
    namespace = broker.namespace
    broker.client.set(f"{namespace}:session:xyz", "web session")
    broker.client.hset(f"{namespace}:test_db:throttle:login:10.0.0.1.msgs", "n", 1)
    broker.client.zadd(f"{namespace}:test_db:member-sessions:ann.XQ", {"s": 1})
    broker.client.set(f"{namespace}:sending:picks/u1/welcome", "1")
    other = make_broker(REDIS_URL, namespace=namespace)
    dramatiq.actor(lambda: None, broker=other, actor_name="report", queue_name="reports").send()
    # then the queues are the declared one (empty) and the one with a message in Redis
    assert queue_ops.queue_stats(broker) == [QueueStats("outbox", 0, 0, 0, 0), QueueStats("reports", 1, 0, 0, 0)]


def test_an_unknown_queue_or_message_is_an_error(broker, mailer):
    with pytest.raises(queue_ops.UnknownQueue):
        queue_ops.dead_letters(broker, "nope")
    with pytest.raises(queue_ops.UnknownQueue):
        queue_ops.purge(broker, "nope")
    with pytest.raises(queue_ops.UnknownMessage):
        queue_ops.retry(broker, "outbox", str(uuid.uuid4()))
    assert queue_ops.dead_letters(broker, "outbox") == []  # known, and empty


# The command line, run as an operator runs it.

def cli(*args: str, broker, database, mongo_url, redis_url: str = REDIS_URL) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONGODB_URL": mongo_url, "MONGODB_DATABASE": database.name, "COLUMNS": "200",
           "REDIS_URL": redis_url, "MYBIGMOVIE_QUEUE_NAMESPACE": broker.namespace}
    return subprocess.run([sys.executable, "-m", "mybigmovie.cli", "queues", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120)


def row(output: str, queue: str) -> list[str]:
    """A queue's row of the table, as its cells."""
    line = next(line for line in output.splitlines() if line.strip("│ ").startswith(queue + " "))
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


async def test_the_table_and_the_dead_letters_newest_first(broker, mailer, database, mongo_url):
    dead_mail(broker, mailer, "ann@example.org", "bob@example.org", "cy@example.org")
    mailer.actor.send("dee@example.org")
    result = cli("--limit", "2", broker=broker, database=database, mongo_url=mongo_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert row(out, "outbox") == ["outbox", "1", "0", "0", "3"]
    assert row(out, "default") == ["default", "0", "0", "0", "0"]  # the project's actors' queue, empty
    newest = queue_ops.dead_letters(broker, "outbox")
    assert out.index(newest[0].message_id) < out.index(newest[1].message_id)
    assert newest[2].message_id not in out and "… 1 more" in out
    # the letters shown say what died and of what (three workers' threads may finish in one millisecond,
    # so which letters are the newest two is Redis's order, not the order they were sent in)
    for letter in newest[:2]:
        assert letter.error in out and f"send_mail({letter.args[0]!r})" in out


async def test_purge_off_a_terminal_needs_yes(broker, mailer, database, mongo_url):
    dead_mail(broker, mailer, "ann@example.org")
    mailer.actor.send("bob@example.org")
    refused = cli("purge", "outbox", broker=broker, database=database, mongo_url=mongo_url)
    assert refused.returncode == 1 and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert stats(broker) == QueueStats("outbox", ready=1, delayed=0, in_progress=0, dead=1)
    dead_only = cli("purge", "outbox", "--dead-only", "--yes", broker=broker, database=database, mongo_url=mongo_url)
    assert dead_only.returncode == 0, dead_only.stderr
    assert stats(broker) == QueueStats("outbox", ready=1, delayed=0, in_progress=0, dead=0)


async def test_an_unknown_name_or_a_silent_redis_is_one_line(broker, mailer, database, mongo_url):
    dead_mail(broker, mailer, "ann@example.org")  # the outbox queue exists
    for args, error in [
            (("purge", "nope", "--yes"), "mybigmovie: no queue is called 'nope'"),
            (("retry", "outbox", "no-such-id"), "mybigmovie: queue 'outbox' has no dead message 'no-such-id'")]:
        result = cli(*args, broker=broker, database=database, mongo_url=mongo_url)
        assert (result.returncode, result.stderr.strip()) == (1, error)
    down = cli(broker=broker, database=database, mongo_url=mongo_url, redis_url="redis://:hunter2@127.0.0.1:1/0")
    assert (down.returncode, down.stderr.strip()) == (1, "mybigmovie: Redis at redis://127.0.0.1:1/0 is not answering")


def poll(read, until, timeout: float = 10.0):
    for _ in range(int(timeout * 20)):
        if until(value := read()):
            return value
        time.sleep(0.05)
    raise AssertionError(f"still {value} after {timeout} s")
