"""The shared throttle against a real Redis, and the bound on concurrent password hashing."""
from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import uuid
from pathlib import Path

import pytest
from redis.asyncio import Redis

from mybigmovie.passwords import HashGate, Overloaded
from web.throttle import RULES, Rule, Throttle, client_network

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def redis():
    connection = Redis.from_url(REDIS_URL)
    yield connection
    await connection.aclose()


@pytest.fixture
async def namespace(redis: Redis):
    name = f"test-throttle-{uuid.uuid4().hex[:12]}"
    yield name
    keys = [key async for key in redis.scan_iter(f"{name}:*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
def throttle(redis: Redis, namespace: str) -> Throttle:
    return Throttle(redis, namespace)


async def allowed(throttle: Throttle, tries: list[tuple[str | None, str]], action: str = "login") -> int:
    """How many of these (account, client) attempts, sent all at once, were let through."""
    waits = await asyncio.gather(*(throttle.attempt(action, account=a, client=c) for a, c in tries))
    return sum(wait == 0 for wait in waits)


@pytest.mark.parametrize("host, network", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("[2001:db8:1:2::9]", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.4", "198.51.100.4"),
    ("testclient", "unknown"),
    ("", "unknown"),
])
def test_client_network(host: str, network: str):
    # Given a peer address, when it is reduced to its network, then it is the one we count by.
    assert client_network(host) == network


async def test_thirty_concurrent_log_ins_let_exactly_five_through(throttle: Throttle):
    # Given one account and one client, when 30 log-in attempts arrive at the same moment
    verdicts = await asyncio.gather(*(throttle.attempt("login", account="victim@example.org",
                                                       client="203.0.113.7") for _ in range(30)))
    # then exactly the limit of 5 get to the password check, and the rest are told how long to wait.
    assert sum(v == 0 for v in verdicts) == 5
    assert all(15 * 60 - 5 <= v <= 15 * 60 for v in verdicts if v)


async def test_the_account_is_counted_whatever_its_case(throttle: Throttle):
    # Given five attempts spent on an account
    assert await allowed(throttle, [("victim@example.org", "203.0.113.7")] * 5) == 5
    # when the attacker changes the case of the address, then it is still the same account.
    assert await allowed(throttle, [(" Victim@Example.ORG", "203.0.113.7")]) == 0


async def test_ipv6_addresses_in_one_64_share_a_counter(throttle: Throttle):
    # Given an attacker who used the budget of one account from one IPv6 address
    assert await allowed(throttle, [("victim@example.org", "2001:db8:1:2::1")] * 5) == 5
    # when they move to another address of the same /64, then they are still refused
    assert await allowed(throttle, [("victim@example.org", "2001:db8:1:2:ffff::9")]) == 0
    # and a client on another /64 is not.
    assert await allowed(throttle, [("victim@example.org", "2001:db8:1:3::1")]) == 1


async def test_one_network_is_limited_across_many_accounts(throttle: Throttle):
    # Given one client guessing one password for 60 different accounts at once
    tries = [(f"user{i}@example.org", "198.51.100.4") for i in range(60)]
    # then only the per-network limit of 50 get through
    assert await allowed(throttle, tries) == 50
    # and another network is unaffected.
    assert await allowed(throttle, [("user0@example.org", "198.51.100.5")]) == 1


async def test_refused_attempts_do_not_spend_the_accounts_budget(throttle: Throttle):
    # Given 30 attempts on one account from one network, of which 5 were let through
    assert await allowed(throttle, [("victim@example.org", "203.0.113.7")] * 30) == 5
    # when others try from three more networks, then the 25 refused ones cost the account nothing:
    # 15 more get through before the per-account limit of 20 is reached
    tries = [("victim@example.org", f"203.0.113.{n}") for n in (8, 9, 10) for _ in range(10)]
    assert await allowed(throttle, tries) == 15
    # and from then on the account is refused from everywhere.
    assert await allowed(throttle, [("victim@example.org", "192.0.2.1")]) == 0


async def test_e_mail_sending_is_limited_per_address_and_per_network(throttle: Throttle):
    # Given three reset mails sent to one address, then a fourth is refused even from elsewhere
    assert await allowed(throttle, [("a@example.org", "192.0.2.1")] * 3, "password-reset-send") == 3
    assert await allowed(throttle, [("a@example.org", "192.0.2.2")], "password-reset-send") == 0
    # and one network can sign up at most 20 addresses an hour.
    tries = [(f"u{i}@example.org", "192.0.2.3") for i in range(25)]
    assert await allowed(throttle, tries, "signup") == 20


async def test_the_window_expires(redis: Redis, namespace: str):
    # Given a rule of 2 attempts per second, used up
    throttle = Throttle(redis, namespace, {"poke": (Rule("pair", 2, 1.0),)})
    assert await allowed(throttle, [("a@example.org", "192.0.2.1")] * 3, "poke") == 2
    assert await throttle.attempt("poke", account="a@example.org", client="192.0.2.1") == 1
    # when the second has passed, then the pair may try again.
    await asyncio.sleep(1.1)
    assert await allowed(throttle, [("a@example.org", "192.0.2.1")], "poke") == 1


async def test_success_clears_the_pair_but_not_the_network(redis: Redis, namespace: str):
    # Given a pair that used its 2 attempts, the second being the right password
    throttle = Throttle(redis, namespace, {"login": (Rule("pair", 2, 60), Rule("network", 4, 60))})
    assert await allowed(throttle, [("a@example.org", "192.0.2.1")] * 3) == 2
    # when the success is reported, then the pair may try again at once
    await throttle.succeeded("login", account="a@example.org", client="192.0.2.1")
    assert await allowed(throttle, [("a@example.org", "192.0.2.1")] * 2) == 2
    # but the network kept its failed attempts (1, and 2 more now; only the success was given back),
    # so of two more attempts from the network one gets through.
    assert await allowed(throttle, [("b@example.org", "192.0.2.1")] * 2) == 1


async def test_keys_hold_no_address_in_clear(throttle: Throttle, redis: Redis, namespace: str):
    # Given an attempt, when we look at what Redis stores, then neither address appears in it.
    await throttle.attempt("login", account="victim@example.org", client="203.0.113.7")
    keys = [key.decode() async for key in redis.scan_iter(f"{namespace}:*")]
    assert len(keys) == len(RULES["login"])
    assert not any("victim" in key or "203.0.113" in key for key in keys)
    assert f"{namespace}:login:account:{hashlib.sha256(b'victim@example.org').hexdigest()}" in keys


CHILD = """
import asyncio, sys
from redis.asyncio import Redis
from web.throttle import Throttle

async def main(url, namespace):
    async with Redis.from_url(url) as redis:
        throttle = Throttle(redis, namespace)
        waits = await asyncio.gather(*(throttle.attempt("login", account="victim@example.org",
                                                        client="203.0.113.7") for _ in range(10)))
    print(sum(wait == 0 for wait in waits))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_two_processes_share_the_count(namespace: str):
    # Given two separate processes, each trying the same pair 10 times at about the same moment
    children = [await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, REDIS_URL, namespace,
                                                     cwd=ROOT, stdout=asyncio.subprocess.PIPE)
                for _ in range(2)]
    outputs = await asyncio.gather(*(child.communicate() for child in children))
    # then together they got only 5 through, not 5 each.
    assert all(child.returncode == 0 for child in children)
    assert sum(int(out) for out, _ in outputs) == 5


async def test_hash_gate_bounds_concurrency_and_queue():
    # Given a gate of 2 running and 16 waiting, and 200 tasks that each hold it for a moment
    gate, running, peak = HashGate(limit=2, queue=16), 0, 0

    async def hash_once() -> str:
        nonlocal running, peak
        try:
            async with gate:
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.01)
                running -= 1
            return "hashed"
        except Overloaded:
            return "overloaded"

    # when they all arrive at once
    results = await asyncio.wait_for(asyncio.gather(*(hash_once() for _ in range(200))), timeout=10)
    # then never more than 2 ran together, the 18 admitted finished and the rest were refused at once.
    assert peak == 2
    assert results.count("hashed") == 18
    assert results.count("overloaded") == 182
    # and the gate is empty again afterwards.
    async with gate:
        assert gate._admitted == 1
