"""Fixtures for QueryService tests: a real server on SQLite or PostgreSQL with seeded rows.

The config is a copy of the shipped tree plus ``local/queries.yaml`` with test templates: one
per parameter type, a hostile-input echo, a slow query, writes that slip past the config's
static SQL check, and short and long cache TTLs.
"""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest

from architect import paths
from architect.server.app import ArchitectServer, ServerOptions
from architect.v1 import query_pb2_grpc

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
TASK_PENDING = "00000000-0000-4000-8000-000000000002"
TASK_DONE = "00000000-0000-4000-8000-000000000001"
TASK_FAILED = "00000000-0000-4000-8000-000000000003"
SESSION = "00000000-0000-4000-8000-0000000000aa"
WORKFLOW = "00000000-0000-4000-8000-0000000000ff"

LOCAL_QUERIES = r"""
defaults:
  statement_timeout: 1s
queries:
  by_min_priority:
    description: float parameter
    sql: SELECT id FROM tasks WHERE priority >= :min_priority ORDER BY id
    params:
      - {name: min_priority, type: float, required: true, min: -100, max: 100}
  pending_only:
    description: boolean parameter
    sql: |
      SELECT id FROM tasks
      WHERE CASE WHEN CAST(:only_pending AS BOOLEAN) THEN status = 'pending' ELSE 1 = 1 END
      ORDER BY id
    params:
      - {name: only_pending, type: boolean, default: false}
  long_runs:
    description: duration parameter
    sql_by_dialect:
      sqlite: |
        SELECT id FROM tasks
        WHERE (julianday(finished_at) - julianday(started_at)) * 86400.0 >= :min_run
        ORDER BY id
      postgres: |
        SELECT id FROM tasks WHERE finished_at - started_at >= :min_run ORDER BY id
    params:
      - {name: min_run, type: duration, required: true}
  tasks_by_ids:
    description: list of uuids; an array parameter on PostgreSQL, expanded on SQLite
    sql_by_dialect:
      sqlite: SELECT id FROM tasks WHERE id IN (:ids) ORDER BY id
      postgres: SELECT id FROM tasks WHERE id = ANY(:ids) ORDER BY id
    params:
      - {name: ids, type: uuid, list: true, required: true}
  echo_text:
    description: echoes an unconstrained string and matches a list of strings
    sql: |
      SELECT CAST(:text AS TEXT) AS text, COUNT(*) AS matches
      FROM tasks WHERE type IN (:types) OR type = :text
    params:
      - {name: text, type: string, required: true}
      - {name: types, type: string, list: true, default: [shell]}
  slow_count:
    description: counts to n, slowly
    sql: |
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n)
      SELECT COUNT(*) AS total FROM c
    params:
      - {name: n, type: integer, required: true, min: 1}
  many_rows:
    description: n rows, for row caps and streaming
    sql: |
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n)
      SELECT n FROM c ORDER BY n
    params:
      - {name: n, type: integer, required: true, min: 1}
    max_rows: 20000
  capped:
    description: a template row cap of 2
    sql: SELECT id FROM tasks ORDER BY id
    max_rows: 2
  cached_long:
    description: cached for a minute
    sql: SELECT COUNT(*) AS tasks FROM tasks WHERE type = :type
    params:
      - {name: type, type: string, required: true}
    cache_ttl: 60s
  cached_short:
    description: cached for 100 ms
    sql: SELECT COUNT(*) AS tasks FROM tasks
    cache_ttl: 100ms
  sneaky_write:
    description: a DELETE the static check misses (dialect quoting); read-only stops it
    sql_by_dialect:
      sqlite: |
        WITH x AS (SELECT 1 AS [a']) DELETE FROM tasks WHERE id = 'zz'
      postgres: |
        WITH q AS (SELECT E'\'' AS q), d AS (DELETE FROM tasks RETURNING 1)
        SELECT COUNT(*) AS n FROM d, q --'
"""


@dataclass
class Live:
    """A running server, its query stub, and its config tree."""

    server: ArchitectServer
    stub: query_pb2_grpc.QueryServiceStub
    tree: Path
    dialect: str
    channel: grpc.aio.Channel


def ts(dialect: str, when: datetime) -> Any:
    """A timestamp as the dialect stores it."""
    return when.isoformat(timespec="microseconds") if dialect == "sqlite" else when


def seed_rows(dialect: str) -> list[tuple[str, tuple[Any, ...]]]:
    """Rows for every table the shipped templates read; ``{}`` marks a value."""
    t = lambda minutes: ts(dialect, NOW - timedelta(minutes=minutes))  # noqa: E731
    return [
        (
            "INSERT INTO sessions (id, name, provider, labels, state, last_heartbeat, "
            "registered_at, updated_at) VALUES ({}, 'architect_main', 'claude', "
            "'[\"llm\"]', 'busy', {}, {}, {})",
            (SESSION, t(1), t(60), t(1)),
        ),
        (
            "INSERT INTO tasks (id, type, priority, status, session_id, workflow_id, "
            "workflow_step, payload, required_labels, created_at, updated_at, enqueued_at, "
            "started_at, finished_at) VALUES ({}, 'prompt', 5, 'succeeded', {}, {}, 'plan', "
            '\'{{"text":"hi"}}\', \'["llm"]\', {}, {}, {}, {}, {})',
            (TASK_DONE, SESSION, WORKFLOW, t(30), t(5), t(30), t(20), t(5)),
        ),
        (
            "INSERT INTO tasks (id, type, priority, status, created_at, updated_at, enqueued_at)"
            " VALUES ({}, 'shell', 7, 'pending', {}, {}, {})",
            (TASK_PENDING, t(3), t(3), t(3)),
        ),
        (
            "INSERT INTO tasks (id, type, priority, status, error, created_at, updated_at, "
            "enqueued_at, started_at, finished_at) VALUES "
            "({}, 'shell', 1, 'failed', 'exit 1', {}, {}, {}, {}, {})",
            (TASK_FAILED, t(50), t(40), t(50), t(45), t(44)),
        ),
        (
            "INSERT INTO assignments (task_id, session_id, attempt, status, assigned_at, "
            "lease_expires_at, finished_at) VALUES ({}, {}, 1, 'completed', {}, {}, {})",
            (TASK_DONE, SESSION, t(25), t(24), t(5)),
        ),
        (
            "INSERT INTO task_events (task_id, event, created_at) VALUES ({}, 'assigned', {})",
            (TASK_DONE, t(25)),
        ),
        (
            "INSERT INTO sla_events (task_id, task_type, kind, level, occurred_at) "
            "VALUES ({}, 'prompt', 'breach', 1, {})",
            (TASK_DONE, t(10)),
        ),
    ]


async def seed(url: str) -> None:
    """Insert ``seed_rows`` into the migrated database at ``url``."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            for sql, args in seed_rows("sqlite"):
                db.execute(sql.format(*["?"] * len(args)), args)
            db.commit()
        finally:
            db.close()
        return
    conn = await asyncpg.connect(url)
    try:
        for sql, args in seed_rows("postgres"):
            await conn.execute(sql.format(*[f"${i + 1}" for i in range(len(args))]), *args)
    finally:
        await conn.close()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The shipped config plus the test templates in ``local/queries.yaml``."""
    root = tmp_path / "config"
    shipped = paths.default_config_dir()
    for sub in ("base", "environments", "schema"):
        shutil.copytree(shipped / sub, root / sub)
    (root / "local").mkdir()
    (root / "local" / "queries.yaml").write_text(textwrap.dedent(LOCAL_QUERIES).lstrip())
    return root


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty SQLite file, or a migrated PostgreSQL database of this test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'architect.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
async def live(tree: Path, database_url: str) -> AsyncIterator[Live]:
    """A started server on ``database_url`` with the seed rows, and a QueryService stub."""
    srv = ArchitectServer(
        ServerOptions(
            listen="127.0.0.1:0",
            config_dir=tree,
            env="development",
            database_url=database_url,
            grace_period=1.0,
            watch_config=False,
        )
    )
    await srv.start()
    try:
        await seed(database_url)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{srv.port}") as ch:
            assert srv.store is not None
            yield Live(srv, query_pb2_grpc.QueryServiceStub(ch), tree, srv.store.dialect, ch)
    finally:
        await srv.stop(0)
