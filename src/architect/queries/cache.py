"""Result cache: per template TTL, least recently used entries evicted past a size bound.

A key is ``(template name, template fingerprint, bound values, row cap)``. The fingerprint is
a hash of the template's definition, so a result can never be served for a template whose
SQL, parameters or TTL changed; ``invalidate`` drops the entries of changed templates as soon
as a reload makes them unreachable, instead of letting them age out. Keying by the template's
own fingerprint rather than the whole config version means an unrelated edit (an SLA target)
does not flush every cached query.

Counters: ``hits``, ``misses`` (including ``expired`` entries found too old), ``evictions``
(LRU) and ``invalidated`` (dropped by a reload).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass
class CacheStats:
    """Counters of one cache."""

    hits: int = 0
    misses: int = 0
    expired: int = 0
    evictions: int = 0
    invalidated: int = 0


class TtlCache(Generic[V]):
    """A bounded LRU map whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self._entries: OrderedDict[tuple[str, Hashable], tuple[float, V]] = OrderedDict()
        self._max = max_entries
        self._clock = clock
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str, key: Hashable) -> V | None:
        """The live entry for ``(name, key)``, or None (counted as a miss)."""
        full = (name, key)
        found = self._entries.get(full)
        if found is not None:
            expires, value = found
            if self._clock() < expires:
                self._entries.move_to_end(full)
                self.stats.hits += 1
                return value
            del self._entries[full]
            self.stats.expired += 1
        self.stats.misses += 1
        return None

    def put(self, name: str, key: Hashable, value: V, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds, evicting the least recently used if full."""
        if ttl <= 0:
            return
        full = (name, key)
        self._entries[full] = (self._clock() + ttl, value)
        self._entries.move_to_end(full)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
            self.stats.evictions += 1

    def invalidate(self, names: Iterable[str]) -> int:
        """Drop every entry of the templates ``names``; return how many were dropped."""
        gone = set(names)
        if not gone:
            return 0
        doomed = [k for k in self._entries if k[0] in gone]
        for k in doomed:
            del self._entries[k]
        self.stats.invalidated += len(doomed)
        return len(doomed)
