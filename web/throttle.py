"""Rate limits on log-in and e-mail sending (the bound on concurrent hashing is mybigmovie/passwords.py).

Why count before checking: a throttle that reads the count, checks the password (argon2, ~50 ms)
and only then records the failure lets every attempt that arrives during those 50 ms through, so
30 simultaneous guesses all get checked. Here one Lua script checks every counter of an attempt
and, only if all are under their limits, increments them all, atomically in Redis. The attempt
is counted before the password is looked at, N concurrent attempts can never exceed the limit,
and every web process shares the count. A refused attempt increments nothing, so an attacker
cannot keep a victim locked out beyond the window that the allowed attempts started.

Why hashed keys: Redis (its dumps, MONITOR, a replica) then never holds e-mail addresses or client
addresses in clear. A plain sha256 hides them from casual reading, not from a dictionary attack.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from typing import Literal, Mapping

from redis.asyncio import Redis


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` attempts per ``per`` in ``window`` seconds, the window starting at the first."""
    per: Literal["pair", "account", "network"]  # pair = (account, client network)
    limit: int
    window: float


_LOGIN, _HOUR = 15 * 60, 60 * 60
_SEND = (Rule("account", 3, _HOUR), Rule("network", 20, _HOUR))
RULES: Mapping[str, tuple[Rule, ...]] = {
    "login": (Rule("pair", 5, _LOGIN), Rule("account", 20, _LOGIN), Rule("network", 50, _LOGIN)),
    "signup": _SEND,
    "password-reset-send": _SEND,
    "verification-send": _SEND,
}

# KEYS: the counters; ARGV: limit and window (ms) of each. Returns 0 (counted) or ms to wait.
_ATTEMPT = """
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then ttl = tonumber(ARGV[2 * i]); redis.call('PEXPIRE', key, ttl) end
    wait = math.max(wait, ttl)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
end
return 0
"""

# KEYS: the counters; ARGV[1]: how many of the first KEYS to delete; the rest give back one attempt.
_SUCCEEDED = """
for i, key in ipairs(KEYS) do
  if i <= tonumber(ARGV[1]) then redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
"""


def client_network(host: str) -> str:
    """The unit a client is counted by: an IPv4 address, or the /64 an IPv6 host is given."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


class Throttle:
    """Per-action limits, each over several counters, all held in Redis under ``namespace``."""

    def __init__(self, redis: Redis, namespace: str, rules: Mapping[str, tuple[Rule, ...]] = RULES) -> None:
        self.namespace, self.rules = namespace, rules
        self._attempt, self._succeeded = redis.register_script(_ATTEMPT), redis.register_script(_SUCCEEDED)

    def _counters(self, action: str, account: str | None, client: str) -> list[tuple[Rule, str]]:
        network = client_network(client)
        who = {"network": network}
        if account is not None:
            account = account.strip().casefold()  # "Victim@X" must not get a budget of its own
            who |= {"account": account, "pair": f"{account}\0{network}"}
        return [(rule, f"{self.namespace}:{action}:{rule.per}:{hashlib.sha256(who[rule.per].encode()).hexdigest()}")
                for rule in self.rules[action] if rule.per in who]

    async def attempt(self, action: str, *, account: str | None, client: str) -> int:
        """Count this attempt and return 0, or count nothing and return the seconds until a retry
        can succeed. Call it before the expensive check; ``client`` is the peer's IP address."""
        counters = self._counters(action, account, client)
        args = [value for rule, _ in counters for value in (rule.limit, math.ceil(rule.window * 1000))]
        wait_ms = await self._attempt(keys=[key for _, key in counters], args=args)
        return max(1, math.ceil(int(wait_ms) / 1000)) if wait_ms else 0

    async def succeeded(self, action: str, *, account: str | None, client: str) -> None:
        """The attempt proved the password: clear the (account, network) counter and give back the
        one attempt it took from the others, so they go on counting guesses, not log-ins."""
        counters = sorted(self._counters(action, account, client), key=lambda counter: counter[0].per != "pair")
        cleared = sum(rule.per == "pair" for rule, _ in counters)
        await self._succeeded(keys=[key for _, key in counters], args=[cleared])
