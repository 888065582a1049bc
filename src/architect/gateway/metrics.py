"""Prometheus metrics: RPC metrics kept by the gateway, domain metrics fed by the services.

Each server owns a :class:`Metrics` with its own ``CollectorRegistry`` (not the process-global
one), so several servers in one process (tests, benchmarks) never clash over metric names.

Services record domain figures through ``metrics.domain`` (see :class:`DomainMetrics`): they
*set* values as their state changes instead of registering callbacks, because the scrape runs
on the HTTP server's thread and must not read state owned by the event loop. Anything more can
be added with :meth:`Metrics.gauge`, :meth:`Metrics.counter` or :meth:`Metrics.register`.

Label children are cached per method and code, so recording a call costs a dict lookup and
three lock-protected additions, not a ``labels()`` resolution.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.registry import Collector

from architect import __version__

log = logging.getLogger(__name__)

#: Latency buckets (seconds): sub-millisecond unary calls up to slow queries.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class DomainMetrics:
    """The gauges and counters the services feed; names are fixed here, in one place."""

    def __init__(self, registry: CollectorRegistry):
        self.pending_tasks = Gauge(
            "architect_pending_tasks",
            "Tasks waiting for a session, by task type.",
            ["task_type"],
            registry=registry,
        )
        self.sessions = Gauge(
            "architect_sessions", "Worker sessions by state.", ["state"], registry=registry
        )
        # A counter, not a gauge: Prometheus derives assignments per second with rate().
        self.assignments = Counter(
            "architect_assignments", "Assignments made by the matcher.", registry=registry
        )
        self.config_info = Gauge(
            "architect_config_info",
            "1 for the active configuration version (content hash).",
            ["version"],
            registry=registry,
        )
        # Hit rate = hits / (hits + misses), computed by the query over these two series.
        self.query_cache = Counter(
            "architect_query_cache_lookups",
            "Query result cache lookups, by result (hit or miss).",
            ["result"],
            registry=registry,
        )
        self._config_version: str | None = None

    def set_config_version(self, version: str) -> None:
        """Mark ``version`` as the active configuration (and drop the previous one)."""
        if self._config_version is not None and self._config_version != version:
            self.config_info.remove(self._config_version)
        self.config_info.labels(version).set(1)
        self._config_version = version


class Metrics:
    """The metrics of one server: RPC metrics, domain metrics, and the /metrics endpoint."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._handled = Counter(
            "architect_rpc_handled",
            "RPCs completed, by method and status code.",
            ["service", "method", "code"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "architect_rpc_duration_seconds",
            "RPC handling time in the server, by method and status code.",
            ["service", "method", "code"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._in_flight = Gauge(
            "architect_rpc_in_flight",
            "RPCs being handled now (streams count while open), by method.",
            ["service", "method"],
            registry=self.registry,
        )
        self._rate_limited = Counter(
            "architect_rate_limited",
            "Calls refused by a rate limit, by rate-limit group.",
            ["group"],
            registry=self.registry,
        )
        Gauge(
            "architect_build_info", "Architect version.", ["version"], registry=self.registry
        ).labels(__version__).set(1)
        self.domain = DomainMetrics(self.registry)
        self._in_flight_children: dict[str, Gauge] = {}
        self._done_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._http: WSGIServer | None = None

    @staticmethod
    def _labels(path: str) -> tuple[str, str]:
        service, _, method = path.lstrip("/").partition("/")
        return service, method

    def in_flight(self, path: str) -> Gauge:
        """The in-flight gauge child of the method at ``path``."""
        child = self._in_flight_children.get(path)
        if child is None:
            child = self._in_flight_children[path] = self._in_flight.labels(*self._labels(path))
        return child

    def observe(self, path: str, code: str, seconds: float) -> None:
        """Record one finished call."""
        children = self._done_children.get((path, code))
        if children is None:
            labels = (*self._labels(path), code)
            children = (self._handled.labels(*labels), self._latency.labels(*labels))
            self._done_children[(path, code)] = children
        children[0].inc()
        children[1].observe(seconds)

    def rate_limited(self, group: str) -> None:
        """Record one call refused by ``group``'s limit."""
        self._rate_limited.labels(group).inc()

    def gauge(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> Gauge:
        """A new gauge in this server's registry."""
        return Gauge(name, documentation, labelnames, registry=self.registry)

    def counter(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
        """A new counter in this server's registry."""
        return Counter(name, documentation, labelnames, registry=self.registry)

    def register(self, collector: Collector) -> None:
        """Add a custom collector (it is called on the scrape thread)."""
        self.registry.register(collector)

    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` over HTTP on a daemon thread; return the bound port."""
        self._http, _thread = start_http_server(port, addr=host, registry=self.registry)
        bound = int(self._http.server_port)
        log.info("metrics on http://%s:%d/metrics", host, bound)
        return bound

    def close(self) -> None:
        """Stop the HTTP endpoint, if serving."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
