"""Load generation from several processes, so the client is not the bottleneck.

Each process runs uvloop and keeps ``concurrency`` calls in flight on one channel,
sending pre-serialized request bytes (no protobuf work on the client's hot path).
Latency is measured per call; the first ``warmup`` seconds are not counted.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from array import array
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UnaryLoad:
    """A fixed unary call made as fast as the server answers."""

    target: str
    method: str
    request: bytes = b""
    processes: int = 2
    concurrency: int = 32
    seconds: float = 5.0
    warmup: float = 1.0
    metadata: tuple[tuple[str, str], ...] = ()
    #: Calls per second per process; 0 means as fast as possible (closed loop).
    rate: float = 0.0


@dataclass
class LoadResult:
    """What a load run measured, merged over its processes."""

    calls: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: array = field(default_factory=lambda: array("d"))
    error_samples: list[str] = field(default_factory=list)

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in ms (nearest rank)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[k]

    def merge(self, other: LoadResult) -> None:
        self.calls += other.calls
        self.errors += other.errors
        self.seconds = max(self.seconds, other.seconds)
        self.latencies_ms.extend(other.latencies_ms)
        self.error_samples.extend(other.error_samples[: 5 - len(self.error_samples)])

    def summary(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "calls_per_s": round(self.calls_per_s, 1),
            "p50_ms": round(self.percentile(50), 3),
            "p95_ms": round(self.percentile(95), 3),
            "p99_ms": round(self.percentile(99), 3),
        }


async def _drive(load: UnaryLoad, start_at: float, stop: Any = None) -> LoadResult:
    import grpc

    result = LoadResult()
    async with grpc.aio.insecure_channel(load.target) as channel:
        call = channel.unary_unary(load.method)  # bytes in, bytes out
        await asyncio.sleep(max(0.0, start_at - time.time()))
        measure_from = time.perf_counter() + load.warmup
        stop_at = measure_from + load.seconds
        interval = load.concurrency / load.rate if load.rate else 0.0

        async def watch() -> None:
            # An early stop (``start_unary``): end the window when the parent says so.
            nonlocal stop_at
            while stop is not None and time.perf_counter() < stop_at:
                if stop.is_set():
                    stop_at = time.perf_counter()
                    return
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())

        async def caller() -> None:
            md = load.metadata or None
            next_at = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                try:
                    await call(load.request, metadata=md, timeout=10)
                    ok = True
                except grpc.aio.AioRpcError as exc:
                    ok = False
                    if t0 >= measure_from and len(result.error_samples) < 5:
                        result.error_samples.append(f"{exc.code().name}: {exc.details()}")
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    if ok:
                        result.calls += 1
                        result.latencies_ms.append((t1 - t0) * 1000)
                    else:
                        result.errors += 1
                if interval:
                    next_at += interval
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

        await asyncio.gather(*(caller() for _ in range(load.concurrency)))
        watcher.cancel()
        result.seconds = max(0.0, stop_at - measure_from)
    return result


def _process_main(load: UnaryLoad, start_at: float) -> LoadResult:
    import uvloop

    return uvloop.run(_drive(load, start_at))


def _process_until(load: UnaryLoad, start_at: float, stop: Any, out: Any) -> None:
    import uvloop

    out.put(uvloop.run(_drive(load, start_at, stop)))


class RunningLoad:
    """A load started by :func:`start_unary`; :meth:`stop` ends it and merges the results."""

    def __init__(self, load: UnaryLoad) -> None:
        ctx = mp.get_context("spawn")
        self._stop = ctx.Event()
        self._out: Any = ctx.Queue()
        self.started_at = time.time() + 1.5
        self._procs = [
            ctx.Process(target=_process_until, args=(load, self.started_at, self._stop, self._out))
            for _ in range(load.processes)
        ]
        for p in self._procs:
            p.start()

    def wait_measuring(self, warmup: float) -> None:
        """Block until the processes have connected and their warm-up is over."""
        time.sleep(max(0.0, self.started_at + warmup - time.time()))

    def stop(self) -> LoadResult:
        self._stop.set()
        merged = LoadResult()
        for _ in self._procs:
            merged.merge(self._out.get(timeout=60))
        for p in self._procs:
            p.join(timeout=10)
        return merged


def start_unary(load: UnaryLoad) -> RunningLoad:
    """Start ``load`` in the background; it runs until ``stop()`` (or ``load.seconds``)."""
    return RunningLoad(load)


def run_unary(load: UnaryLoad) -> LoadResult:
    """Run ``load`` from ``load.processes`` processes and merge what they measured."""
    ctx = mp.get_context("spawn")
    start_at = time.time() + 1.5  # time for every process to import and connect
    with ctx.Pool(load.processes) as pool:
        parts = pool.starmap(_process_main, [(load, start_at)] * load.processes)
    merged = LoadResult()
    for part in parts:
        merged.merge(part)
    return merged
