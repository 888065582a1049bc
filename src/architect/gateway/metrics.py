"""Prometheus metrics: RPC metrics kept by the gateway, domain metrics fed by the services.

Each server owns a :class:`Metrics` with its own ``CollectorRegistry`` (not the process-global
one), so several servers in one process (tests, benchmarks) never clash over metric names.

Services record domain figures through ``metrics.domain`` (see :class:`DomainMetrics`): they
*set* values as their state changes instead of registering callbacks, because the scrape runs
on the HTTP server's thread and must not read state owned by the event loop. Anything more can
be added with :meth:`Metrics.gauge`, :meth:`Metrics.counter` or :meth:`Metrics.register`.

RPC metrics are the hottest code in the server (every call records three of them), so they
are not ``prometheus_client`` metric objects, whose updates take a lock and run checks: they are
plain numbers in slotted objects, updated only by the event loop thread, and turned into metric
families by :class:`RpcCollector` when scraped. A scrape may see one call's count without its
duration yet; that skew of one call is the price of lock-free recording.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator, Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

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


class _Calls:
    """Finished calls of one method with one status code."""

    __slots__ = ("buckets", "count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        # Per-bucket (not cumulative) counts; the last one is +Inf.
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)


def _labels(path: str) -> list[str]:
    service, _, method = path.lstrip("/").partition("/")
    return [service, method]


class RpcCollector(Collector):
    """RPC counts, latencies, calls in flight and rate-limit refusals (see module docstring)."""

    def __init__(self) -> None:
        self.done: dict[tuple[str, str], _Calls] = {}
        self.in_flight: dict[str, list[int]] = {}
        self.rate_limited: dict[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        # list() copies under the GIL: the loop thread may add keys while we iterate.
        done = list(self.done.items())
        handled = CounterMetricFamily(
            "architect_rpc_handled",
            "RPCs completed, by method and status code.",
            labels=["service", "method", "code"],
        )
        latency = HistogramMetricFamily(
            "architect_rpc_duration_seconds",
            "RPC handling time in the server, by method and status code.",
            labels=["service", "method", "code"],
        )
        for (path, code), calls in done:
            labels = [*_labels(path), code]
            handled.add_metric(labels, calls.count)
            cumulative, buckets = 0, []
            for bound, n in zip((*LATENCY_BUCKETS, float("inf")), calls.buckets, strict=True):
                cumulative += n
                buckets.append((floatToGoString(bound), cumulative))
            latency.add_metric(labels, buckets, calls.total)
        yield handled
        yield latency
        flight = GaugeMetricFamily(
            "architect_rpc_in_flight",
            "RPCs being handled now (streams count while open), by method.",
            labels=["service", "method"],
        )
        for path, calls_now in list(self.in_flight.items()):
            flight.add_metric(_labels(path), calls_now[0])
        yield flight
        limited = CounterMetricFamily(
            "architect_rate_limited",
            "Calls refused by a rate limit, by rate-limit group.",
            labels=["group"],
        )
        for group, refused in list(self.rate_limited.items()):
            limited.add_metric([group], refused)
        yield limited


class Metrics:
    """The metrics of one server: RPC metrics, domain metrics, and the /metrics endpoint."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._rpc = RpcCollector()
        self.registry.register(self._rpc)
        Gauge(
            "architect_build_info", "Architect version.", ["version"], registry=self.registry
        ).labels(__version__).set(1)
        self.domain = DomainMetrics(self.registry)
        self._http: WSGIServer | None = None

    def in_flight(self, path: str) -> list[int]:
        """The in-flight count of the method at ``path``: a one-item list to add to."""
        counter = self._rpc.in_flight.get(path)
        if counter is None:
            counter = self._rpc.in_flight[path] = [0]
        return counter

    def observe(self, path: str, code: str, seconds: float) -> None:
        """Record one finished call."""
        calls = self._rpc.done.get((path, code))
        if calls is None:
            calls = self._rpc.done[(path, code)] = _Calls()
        calls.count += 1
        calls.total += seconds
        calls.buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def rate_limited(self, group: str) -> None:
        """Record one call refused by ``group``'s limit."""
        self._rpc.rate_limited[group] = self._rpc.rate_limited.get(group, 0) + 1

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
