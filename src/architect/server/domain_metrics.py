"""Feeds the gateway's domain gauges from the routing engine.

Counting pending tasks by type and sessions by state walks the engine's memory, so it runs on
a slow timer (every ``interval`` seconds, and once per config change), never per event: a
scrape sees figures at most one interval old, and the hot paths pay nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from architect.gateway.metrics import DomainMetrics
from architect.queries import QueryService
from architect.routing.engine import RoutingEngine

SESSION_STATES = ("idle", "busy", "draining", "waiting_for_human", "offline")


class DomainMetricsPublisher:
    """Copies engine figures into ``metrics`` every ``interval`` seconds while running."""

    def __init__(self, engine: RoutingEngine, metrics: DomainMetrics, interval: float = 2.0):
        self.engine = engine
        self.metrics = metrics
        self.interval = interval
        self._assigned_seen = 0
        self._types_seen: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        #: The query service whose cache hits and misses are counted, when there is one.
        self.queries: QueryService | None = None
        self._cache_seen = (0, 0)

    def publish(self) -> None:
        """Refresh every gauge now."""
        engine = self.engine
        pending = Counter(task.type for task in engine.pending.values())
        for task_type in self._types_seen - pending.keys():
            self.metrics.pending_tasks.labels(task_type).set(0)
        for task_type, n in pending.items():
            self.metrics.pending_tasks.labels(task_type).set(n)
        self._types_seen |= pending.keys()
        states: Counter[str] = Counter(s.reported_state for s in engine.sessions.values())
        for state in SESSION_STATES:
            self.metrics.sessions.labels(state).set(states.get(state, 0))
        self.metrics.assignments.inc(engine.assigned_total - self._assigned_seen)
        self._assigned_seen = engine.assigned_total
        self.metrics.set_config_version(engine.policy.version)
        if self.queries is not None:
            stats = self.queries.cache.stats
            hits, misses = self._cache_seen
            self.metrics.query_cache.labels("hit").inc(stats.hits - hits)
            self.metrics.query_cache.labels("miss").inc(stats.misses - misses)
            self._cache_seen = (stats.hits, stats.misses)

    def start(self) -> None:
        self.publish()
        self._task = asyncio.create_task(self._loop(), name="architect-domain-metrics")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.publish()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
