#!/usr/bin/env python3
"""Architect's benchmark suite: one command, a table against targets.yaml, JSON for diffs.

    .venv/bin/python benchmarks/run.py                       # every scenario, embedded SQLite
    .venv/bin/python benchmarks/run.py --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/run.py --scenarios unary_read --seconds 10

Each scenario starts its own server (``architect serve`` on a free port, fresh data dir) and,
where a baseline exists, the baseline too, in the same run: figures are reported as measured
and as ratios, because the load generator shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import report
from harness.load import UnaryLoad, run_unary
from harness.servers import start_architect, start_bare

from architect.v1 import admin_pb2


@dataclass
class Context:
    """What every scenario gets: the options and a scratch directory."""

    seconds: float
    processes: int
    concurrency: int
    database: str | None
    scratch: Path

    def progress(self, msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


Scenario = Callable[[Context], dict[str, float]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
def unary_read(ctx: Context) -> dict[str, float]:
    """Cheapest read RPC (AdminService/GetServerInfo) vs a bare grpc.aio server, same load."""
    method = "/architect.v1.AdminService/GetServerInfo"
    request = admin_pb2.GetServerInfoRequest().SerializeToString()
    figures: dict[str, float] = {}
    bare = start_bare(method)
    try:
        ctx.progress(f"bare grpc.aio server: {ctx.seconds:.0f}s of load")
        base = run_unary(
            UnaryLoad(bare.target, method, request, ctx.processes, ctx.concurrency, ctx.seconds)
        )
    finally:
        bare.stop()
    server = start_architect(ctx.scratch / "unary_read", database=ctx.database)
    try:
        ctx.progress(f"architect GetServerInfo: {ctx.seconds:.0f}s of load")
        ours = run_unary(
            UnaryLoad(server.target, method, request, ctx.processes, ctx.concurrency, ctx.seconds)
        )
        figures["rss_mb"] = round(server.rss_mb(), 1)
    finally:
        server.stop()
    if ours.error_samples:
        ctx.progress(f"errors: {ours.errors}, e.g. {ours.error_samples[0]}")
    figures.update(ours.summary())
    figures["bare_calls_per_s"] = round(base.calls_per_s, 1)
    figures["bare_p50_ms"] = round(base.percentile(50), 3)
    figures["ratio_vs_bare"] = round(ours.calls_per_s / base.calls_per_s, 3) if base.calls else 0
    return figures


def _query(ctx: Context, *, cached: bool) -> dict[str, float]:
    import query_bench

    url = query_bench.shared_database(ctx.database, ctx.scratch, 1_000_000, ctx.progress)
    ctx.progress(f"ExecuteQuery pending_tasks ({'cached' if cached else 'uncached'})")
    return query_bench.measure(
        url,
        ctx.scratch,
        cached=cached,
        seconds=ctx.seconds,
        rate=500.0,
        processes=ctx.processes,
    )


@scenario
def query_cached(ctx: Context) -> dict[str, float]:
    """ExecuteQuery served from the result cache (1,000,000-row tasks table)."""
    return _query(ctx, cached=True)


@scenario
def query_uncached(ctx: Context) -> dict[str, float]:
    """ExecuteQuery on an indexed read of a 1,000,000-row tasks table, never cached."""
    return _query(ctx, cached=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated scenarios to run (default: all: %(default)s)",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per load run")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight per process")
    parser.add_argument(
        "--database", default=None, help="database URL for Architect (default: embedded SQLite)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results",
        help="directory for the JSON results (default: benchmarks/results)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="architect-bench-") as tmp:
        ctx = Context(args.seconds, args.processes, args.concurrency, args.database, Path(tmp))
        for i, name in enumerate(names, 1):
            ctx.progress(f"scenario {i}/{len(names)}: {name}")
            results[name] = SCENARIOS[name](ctx)
            ctx.progress(f"{name}: {results[name]}")

    table, failed = report.render(results, report.load_targets())
    print(table)
    path = report.write_json(results, args.out, "run")
    print(f"\nresults written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
