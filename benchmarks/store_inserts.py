"""Durable task inserts per second: one transaction per insert vs group commit.

    .venv/bin/python benchmarks/store_inserts.py [--seconds N] [--postgres DSN]

Runs on SQLite (a temp file) and, given a DSN, on PostgreSQL (a scratch database,
dropped after), then ``pgbench -N`` on the same PostgreSQL server. Every insert
is durable when counted: a task row plus its ``submitted`` event, committed.

Scenarios (ratios are against ``naive x1`` of the same backend, same run):
  naive x1        the raw driver, one writer, one transaction per insert
  naive x8        the raw driver, 8 concurrent writers (8 connections), one transaction each
  store gc-off x8 the store with group commit off (max_batch=1), 8 concurrent callers
  store gc x64    the store with group commit, 64 concurrent callers
  store gc x256   the store with group commit, 256 concurrent callers
  gc x256 w2/w4   the same with 2 / 4 concurrent group-commit writers (PostgreSQL only)
  gc x1024 w1/w2  1,024 callers (more than max_batch=256: the queue never runs dry)

Concurrent ``insert_tasks`` calls of one batch are merged into one statement per
table; ``stmts/batch`` shows it (1 on PostgreSQL, 2 on SQLite: tasks, events).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from architect.store import GroupCommitOptions, NewTask, open_store
from architect.store.records import new_id
from architect.store.rows import sqlite_ts

RESULTS = Path(__file__).resolve().parent / "results"
TASK_SQL = (
    "INSERT INTO tasks (id, type, payload, priority, status, created_at, updated_at, "
    "enqueued_at) VALUES ({p}1, 'bench', '{{}}', 0, 'pending', {p}2, {p}2, {p}2)"
)
EVENT_SQL = (
    "INSERT INTO task_events (task_id, event, to_status, created_at) "
    "VALUES ({p}1, 'submitted', 'pending', {p}2)"
)


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


async def timed(seconds: float, writers: int, insert_one: Callable[[], Awaitable[None]]) -> float:
    """Run ``writers`` loops of ``insert_one`` for ``seconds``; return inserts per second."""
    done = 0
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await insert_one()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(writers)))
    return done / (time.perf_counter() - start)


def naive_sqlite(path: Path, seconds: float, writers: int) -> float:
    """The raw sqlite3 driver, ``writers`` threads, one transaction per insert."""
    count = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    task_sql, event_sql = TASK_SQL.format(p="?"), EVENT_SQL.format(p="?")

    def work() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA busy_timeout = 30000")
        n = 0
        while time.perf_counter() < stop:
            tid, now = new_id(), sqlite_ts(datetime.now(UTC))
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(task_sql, (tid, now))  # ?1, ?2: SQLite's numbered parameters
            conn.execute(event_sql, (tid, now))
            conn.execute("COMMIT")
            n += 1
        conn.close()
        with lock:
            count[0] += n

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / (time.perf_counter() - start)


async def naive_postgres(url: str, seconds: float, writers: int) -> float:
    """Raw asyncpg, ``writers`` connections, one transaction per insert."""
    pool = await asyncpg.create_pool(url, min_size=writers, max_size=writers)
    task_sql, event_sql = TASK_SQL.format(p="$"), EVENT_SQL.format(p="$")

    async def one() -> None:
        async with pool.acquire() as conn, conn.transaction():
            tid, now = new_id(), datetime.now(UTC)
            await conn.execute(task_sql, tid, now)
            await conn.execute(event_sql, tid, now)

    try:
        return await timed(seconds, writers, one)
    finally:
        await pool.close()


async def through_store(
    url: str, seconds: float, callers: int, max_batch: int, writers: int = 1
) -> tuple[float, float]:
    """The store's ``insert_tasks``, one task per call, ``callers`` concurrent callers;
    inserts per second and statements per batch."""
    options = GroupCommitOptions(max_batch=max_batch, writers=writers)
    store = await open_store(url, group_commit=options, pool_max_size=max(10, writers + 2))

    async def one() -> None:
        await store.insert_tasks([NewTask(type="bench")])

    try:
        rate = await timed(seconds, callers, one)
        return rate, store.stats.statements / max(1, store.stats.batches)
    finally:
        await store.close()


async def run_backend(name: str, url: str, seconds: float, naive: Any) -> list[dict[str, Any]]:
    store = await open_store(url)
    await store.migrate()
    await store.close()
    scenarios: list[tuple[str, Callable[[], Awaitable[tuple[float, float | None]]]]] = [
        ("naive x1", lambda: bare(naive(1))),
        ("naive x8", lambda: bare(naive(8))),
        ("store gc-off x8", lambda: through_store(url, seconds, 8, 1)),
        ("store gc x64", lambda: through_store(url, seconds, 64, 256)),
        ("store gc x256", lambda: through_store(url, seconds, 256, 256)),
        ("gc x1024 w1", lambda: through_store(url, seconds, 1024, 256)),
    ]
    if name == "postgres":
        scenarios += [
            ("gc x256 w2", lambda: through_store(url, seconds, 256, 256, 2)),
            ("gc x256 w4", lambda: through_store(url, seconds, 256, 256, 4)),
            ("gc x1024 w2", lambda: through_store(url, seconds, 1024, 256, 2)),
        ]
    rows = []
    for label, run in scenarios:
        progress(f"  {name}: {label} for {seconds:.0f}s ...")
        rate, per_batch = await run()
        progress(f"  {name}: {label}: {rate:,.0f} inserts/s")
        row: dict[str, Any] = {"backend": name, "scenario": label, "inserts_per_s": rate}
        rows.append({**row, "stmts_per_batch": per_batch})
    base = rows[0]["inserts_per_s"]
    for r in rows:
        r["ratio"] = r["inserts_per_s"] / base if base else 0.0
    return rows


async def bare(rate: Awaitable[float]) -> tuple[float, None]:
    return await rate, None


def with_database(dsn: str, database: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(dsn)._replace(path=f"/{database}"))


async def admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pgbench(dsn: str, seconds: float) -> float | None:
    exe = shutil.which("pgbench") or shutil.which("/usr/bin/pgbench")
    if exe is None:
        progress("  pgbench not found; skipped")
        return None
    name = f"architect_bench_pgbench_{secrets.token_hex(4)}"
    await admin(dsn, f'CREATE DATABASE "{name}"')
    url = with_database(dsn, name)
    try:
        progress("  pgbench -i -s 10 ...")
        await asyncio.to_thread(
            subprocess.run, [exe, "-i", "-s", "10", "-q", url], check=True, capture_output=True
        )
        progress(f"  pgbench -N -c 8 -j 2 -T {seconds:.0f} ...")
        out = await asyncio.to_thread(
            subprocess.run,
            [exe, "-N", "-c", "8", "-j", "2", "-T", str(int(seconds)), url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        match = re.search(r"tps = ([\d.]+)", out.stdout)
        return float(match[1]) if match else None
    finally:
        await admin(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument("--postgres", metavar="DSN", help="PostgreSQL server to measure too")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="architect-bench-"))
    try:
        progress("SQLite (WAL, synchronous=FULL):")
        path = tmp / "bench.db"
        rows += await run_backend(
            "sqlite",
            f"sqlite:///{path}",
            args.seconds,
            lambda w: asyncio.to_thread(naive_sqlite, path, args.seconds, w),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    tps = None
    if args.postgres:
        progress("PostgreSQL (synchronous_commit on):")
        name = f"architect_bench_{secrets.token_hex(4)}"
        await admin(args.postgres, f'CREATE DATABASE "{name}"')
        url = with_database(args.postgres, name)
        try:
            rows += await run_backend(
                "postgres", url, args.seconds, lambda w: naive_postgres(url, args.seconds, w)
            )
        finally:
            await admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        tps = await pgbench(args.postgres, args.seconds)

    print()
    print(
        f"{'backend':<9} {'scenario':<16} {'inserts/s':>11} {'vs naive x1':>12} "
        f"{'vs pgbench':>11} {'stmts/batch':>12}"
    )
    for r in rows:
        vs_pgbench = ""
        if r["backend"] == "postgres" and tps:
            vs_pgbench = f"{r['inserts_per_s'] / tps:.2f}x"
        per_batch = "" if r["stmts_per_batch"] is None else f"{r['stmts_per_batch']:.1f}"
        print(
            f"{r['backend']:<9} {r['scenario']:<16} {r['inserts_per_s']:>11,.0f} "
            f"{r['ratio']:>11.1f}x {vs_pgbench:>11} {per_batch:>12}"
        )
    if tps is not None:
        print(f"{'postgres':<9} {'pgbench -N -c8':<16} {tps:>11,.0f} {'(tps)':>12}")

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"store_inserts-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "seconds": args.seconds,
                "rows": rows,
                "pgbench_N_tps": tps,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    try:
        import uvloop

        sys.exit(uvloop.run(main()))
    except ImportError:
        sys.exit(asyncio.run(main()))
