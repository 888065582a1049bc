#!/usr/bin/env python3
"""QueryService over gRPC: cached and uncached ExecuteQuery on a 1,000,000-row tasks table.

    .venv/bin/python benchmarks/query_bench.py                      # SQLite only
    .venv/bin/python benchmarks/query_bench.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/query_bench.py --rows 100000 --seconds 3

Per backend: bulk-load the tasks table (1% pending, 8 types, 30 days of created_at), start
``architect serve`` in a subprocess with ``pending_tasks`` (an indexed read: status, priority,
created_at) set to never cache, then to cache for a minute, and drive
``ExecuteQuery(pending_tasks, type=shell, limit=20)`` from several processes:

- latency at a steady, moderate rate (open loop), so p50/p99 are the service time rather
  than queueing behind a saturated server;
- throughput with calls kept in flight (closed loop).

A bare grpc.aio server answering empty messages under the same closed-loop load is the
baseline; throughput is reported as a ratio to it. PostgreSQL gets a database of its own,
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import report
from harness.load import UnaryLoad, run_unary
from harness.servers import bench_config_tree, start_architect, start_bare

from architect.store import open_store
from architect.v1 import query_pb2

METHOD = "/architect.v1.QueryService/ExecuteQuery"
REQUEST = query_pb2.ExecuteQueryRequest(
    name="pending_tasks",
    params={"type": query_pb2.Value(string_value="shell"), "limit": query_pb2.Value(int_value=20)},
).SerializeToString()
TYPES = ["shell", "python", "prompt", "security_audit", "build", "test", "deploy", "review"]
STATUSES = ["succeeded"] * 90 + ["failed"] * 6 + ["cancelled"] * 3 + ["pending"]
NOW = datetime.now(UTC)


def _progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _rows(n: int) -> list[tuple[Any, ...]]:
    rnd = random.Random(42)
    out = []
    for i in range(n):
        created = NOW - timedelta(seconds=rnd.randrange(30 * 86400))
        status = rnd.choice(STATUSES)
        finished = None if status == "pending" else created + timedelta(seconds=rnd.randrange(600))
        out.append(
            (
                f"{i:08d}-0000-4000-8000-{rnd.getrandbits(48):012x}",
                rnd.choice(TYPES),
                rnd.randrange(10),
                status,
                created,
                finished,
            )
        )
    return out


def _ts(v: datetime | None) -> str | None:
    return None if v is None else v.isoformat(timespec="microseconds")


async def load_tasks(url: str, n: int) -> float:
    """Migrate ``url`` and bulk-load ``n`` tasks; return the seconds it took."""
    store = await open_store(url, pool_min_size=1)
    try:
        await store.migrate()
    finally:
        await store.close()
    rows = _rows(n)
    t0 = time.perf_counter()
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO tasks (id, type, priority, status, created_at, updated_at, enqueued_at,"
            " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((i, t, p, s, _ts(c), _ts(c), _ts(c), _ts(f)) for i, t, p, s, c, f in rows),
        )
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table(
                "tasks",
                records=[(i, t, p, s, c, c, c, f) for i, t, p, s, c, f in rows],
                columns=[
                    "id", "type", "priority", "status", "created_at", "updated_at",
                    "enqueued_at", "finished_at",
                ],
            )  # fmt: skip
            await conn.execute("ANALYZE tasks")
        finally:
            await conn.close()
    return time.perf_counter() - t0


def config_tree(root: Path, ttl: str) -> Path:
    """The shipped config with pending_tasks cached for ``ttl``."""
    if root.exists():
        shutil.rmtree(root)
    bench_config_tree(root)  # rate limits off: the load is one caller
    (root / "local" / "queries.yaml").write_text(
        f"queries:\n  pending_tasks:\n    cache_ttl: {ttl}\n"
    )
    return root


def measure(
    url: str, scratch: Path, *, cached: bool, seconds: float, rate: float, processes: int
) -> dict[str, float]:
    """Latency (open loop at ``rate``/s) and throughput (closed loop) of one server."""
    tree = config_tree(
        scratch / f"config-{'cached' if cached else 'uncached'}", "60s" if cached else "0s"
    )
    server = start_architect(
        scratch / "data", database=url, config_dir=tree, extra=["--no-watch-config"]
    )
    try:
        per_process = rate / processes
        latency = run_unary(
            UnaryLoad(server.target, METHOD, REQUEST, processes, 4, seconds, rate=per_process)
        )
        throughput = run_unary(UnaryLoad(server.target, METHOD, REQUEST, processes, 32, seconds))
    finally:
        server.stop()
    if latency.errors or throughput.errors:
        _progress(f"errors: {(latency.error_samples + throughput.error_samples)[:1]}")
    return {
        "p50_ms": round(latency.percentile(50), 3),
        "p99_ms": round(latency.percentile(99), 3),
        "at_calls_per_s": round(latency.calls_per_s, 1),
        "calls_per_s": round(throughput.calls_per_s, 1),
        "saturated_p99_ms": round(throughput.percentile(99), 3),
        "errors": latency.errors + throughput.errors,
    }


def bare_throughput(seconds: float, processes: int) -> float:
    method = "/architect.v1.QueryService/ExecuteQuery"
    bare = start_bare(method)
    try:
        return run_unary(
            UnaryLoad(bare.target, method, REQUEST, processes, 32, seconds)
        ).calls_per_s
    finally:
        bare.stop()


def _with_database(dsn: str, name: str) -> str:
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_SHARED: dict[str, str] = {}


def shared_database(dsn: str | None, scratch: Path, rows: int, progress: Any = _progress) -> str:
    """A loaded database shared by the scenarios of one ``run.py`` run: a SQLite file in
    ``scratch``, or a PostgreSQL database of its own on ``dsn``'s server, dropped at exit."""
    key = dsn or "sqlite"
    if key in _SHARED:
        return _SHARED[key]
    if dsn is None:
        url = f"sqlite:///{scratch / 'query-bench.db'}"
    else:
        import atexit

        db = f"architect_qbench_{secrets.token_hex(4)}"
        asyncio.run(_admin(dsn, f'CREATE DATABASE "{db}"'))
        atexit.register(
            lambda: asyncio.run(_admin(dsn, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        )
        url = _with_database(dsn, db)
    progress(f"loading {rows:,} tasks")
    asyncio.run(load_tasks(url, rows))
    _SHARED[key] = url
    return url


def run_backend(
    name: str, url: str, scratch: Path, args: argparse.Namespace, bare: float
) -> dict[str, dict[str, float]]:
    _progress(f"{name}: loading {args.rows:,} tasks")
    took = asyncio.run(load_tasks(url, args.rows))
    _progress(f"{name}: loaded in {took:.1f}s ({args.rows / took:,.0f} rows/s)")
    out = {}
    for cached in (False, True):
        label = f"{name}_{'cached' if cached else 'uncached'}"
        _progress(
            f"{label}: {args.seconds:.0f}s at {args.rate:.0f}/s, then {args.seconds:.0f}s flat out"
        )
        figures = measure(
            url, scratch, cached=cached, seconds=args.seconds, rate=args.rate,
            processes=args.processes,
        )  # fmt: skip
        figures["ratio_vs_bare"] = round(figures["calls_per_s"] / bare, 3) if bare else 0.0
        figures["rows"] = args.rows
        out[label] = figures
        _progress(f"{label}: {figures}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="DSN", help="also run on PostgreSQL (own database)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="tasks to load")
    parser.add_argument(
        "--no-sqlite", action="store_true", help="skip SQLite (with --postgres: PostgreSQL only)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--rate", type=float, default=500.0, help="calls/s for the latency run")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    _progress("baseline: bare grpc.aio server")
    bare = bare_throughput(args.seconds, args.processes)
    results["bare_grpc_aio"] = {"calls_per_s": round(bare, 1)}
    with tempfile.TemporaryDirectory(prefix="architect-qbench-") as tmp:
        scratch = Path(tmp)
        if not args.no_sqlite:
            results.update(
                run_backend("sqlite", f"sqlite:///{scratch / 'bench.db'}", scratch, args, bare)
            )
        if args.postgres:
            db = f"architect_qbench_{secrets.token_hex(4)}"
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{db}"'))
            try:
                url = _with_database(args.postgres, db)
                results.update(run_backend("postgres", url, scratch, args, bare))
            finally:
                asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    cols = [
        "p50_ms",
        "p99_ms",
        "at_calls_per_s",
        "calls_per_s",
        "saturated_p99_ms",
        "ratio_vs_bare",
    ]
    print(f"\n{'run':<18}" + "".join(f"{c:>18}" for c in cols))
    for name, figures in results.items():
        print(f"{name:<18}" + "".join(f"{figures.get(c, ''):>18}" for c in cols))
    path = report.write_json(results, args.out, "query")
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
