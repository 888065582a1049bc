"""Per-token rate limits: one token bucket per (token, method group).

Each caller has its own buckets, so one token's flood empties only its own buckets and is
refused at the cost of a dict lookup and a subtraction; other tokens' calls never wait on it.
The number of buckets is bounded by configured tokens x groups (plus the anonymous caller when
auth is off), so nothing grows with traffic.

A streaming call takes one token when it starts, not one per message: worker sessions keep a
single stream open and their messages are policed by the services behind it.

The server runs on one event loop thread, so buckets need no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from architect.gateway.auth import matches
from architect.gateway.settings import GatewaySettings, RateLimitGroup


class TokenBucket:
    """A bucket of ``burst`` tokens refilled at ``rate`` per second."""

    __slots__ = ("_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, now: float):
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last = now

    def take(self, now: float) -> float:
        """Take one token; 0.0 when granted, else the seconds until one is available."""
        tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return 0.0
        self._tokens = tokens
        return (1.0 - tokens) / self.rate


class RateLimiter:
    """Decides, per call, whether a caller is within its group's rate."""

    def __init__(self, settings: GatewaySettings, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._groups: tuple[RateLimitGroup, ...] = ()
        self._by_method: dict[str, RateLimitGroup | None] = {}
        self.enabled = False
        self.update(settings)

    def update(self, settings: GatewaySettings) -> None:
        """Use ``settings`` from the next call on.

        Buckets of groups whose rate and burst are unchanged keep their state, so a reload
        neither refills nor empties them.
        """
        rl = settings.rate_limits
        old = {g.name: (g.rate, g.burst) for g in self._groups}
        kept = {g.name for g in rl.groups if old.get(g.name) == (g.rate, g.burst)}
        self._buckets = {k: b for k, b in self._buckets.items() if k[1] in kept}
        self._groups = rl.groups
        self._by_method = {}
        self.enabled = rl.enabled and bool(rl.groups)

    def group_for(self, path: str) -> RateLimitGroup | None:
        """The group limiting the method at ``path``, compiled once per settings version."""
        try:
            return self._by_method[path]
        except KeyError:
            group = next((g for g in self._groups if matches(g.methods, path)), None)
            self._by_method[path] = group
            return group

    def check(self, caller: str, group: RateLimitGroup) -> float:
        """Take a token for ``caller`` in ``group``: 0.0 when allowed, else the retry delay."""
        key = (caller, group.name)
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(group.rate, group.burst, now)
        return bucket.take(now)
