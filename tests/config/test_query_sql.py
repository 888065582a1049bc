"""Every template in the shipped queries.yaml runs on the store's schema (SCHEMA_CONTRACT), on
SQLite and on PostgreSQL, and every declared index can be created on both.

The schema here is a copy of the contract's DDL, kept small on purpose: the store owns the real
one; this test only proves the templates are valid, portable SQL over those tables.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from architect import paths
from architect.config import load_config
from architect.config.queries import IndexDef, ParamType, QueryTemplate

CONFIG = load_config(paths.default_config_dir(), "development")
QUERIES = sorted(CONFIG.queries.queries.items())
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

_TABLES = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, provider TEXT NOT NULL,
  labels {json} NOT NULL DEFAULT '[]', capacity INTEGER NOT NULL DEFAULT 1, state TEXT NOT NULL,
  metadata {json} NOT NULL DEFAULT '{{}}', last_heartbeat {ts} NULL,
  registered_at {ts} NOT NULL, updated_at {ts} NOT NULL);
CREATE TABLE tasks (id TEXT PRIMARY KEY, type TEXT NOT NULL, payload {json} NOT NULL DEFAULT '{{}}',
  priority INTEGER NOT NULL, required_labels {json} NOT NULL DEFAULT '[]',
  preferred_sessions {json} NOT NULL DEFAULT '[]', idempotency_key TEXT NULL UNIQUE,
  status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3, session_id TEXT NULL, result {json} NULL,
  error TEXT NULL, workflow_id TEXT NULL, workflow_step TEXT NULL, config_version TEXT NULL,
  metadata {json} NOT NULL DEFAULT '{{}}', created_at {ts} NOT NULL, updated_at {ts} NOT NULL,
  enqueued_at {ts} NOT NULL, started_at {ts} NULL, finished_at {ts} NULL);
CREATE VIEW prompts AS SELECT id, payload, priority, status, session_id, result, error,
  created_at, updated_at, finished_at FROM tasks WHERE type = 'prompt';
CREATE TABLE assignments (id {serial}, task_id TEXT NOT NULL REFERENCES tasks(id),
  session_id TEXT NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL,
  assigned_at {ts} NOT NULL, lease_expires_at {ts} NOT NULL, started_at {ts} NULL,
  finished_at {ts} NULL, config_version TEXT NULL, UNIQUE (task_id, attempt));
CREATE TABLE task_events (id {serial}, task_id TEXT NOT NULL, event TEXT NOT NULL,
  from_status TEXT NULL, to_status TEXT NULL, session_id TEXT NULL, attempt INTEGER NULL,
  detail {json} NOT NULL DEFAULT '{{}}', config_version TEXT NULL, created_at {ts} NOT NULL);
CREATE TABLE sla_events (id {serial}, task_id TEXT NOT NULL, task_type TEXT NOT NULL,
  kind TEXT NOT NULL, level INTEGER NOT NULL DEFAULT 0, channel TEXT NULL,
  message TEXT NOT NULL DEFAULT '', config_version TEXT NULL, occurred_at {ts} NOT NULL);
"""
DIALECTS = {
    "sqlite": {"json": "TEXT", "ts": "TIMESTAMP", "serial": "INTEGER PRIMARY KEY"},
    "postgres": {
        "json": "jsonb",
        "ts": "timestamptz",
        "serial": "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    },
}
_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _ts(dialect: str, when: datetime) -> Any:
    # SQLite keeps timestamps as ISO-8601 UTC text in one fixed format (the contract).
    return when.isoformat(timespec="microseconds") if dialect == "sqlite" else when


def _rows(dialect: str) -> list[tuple[str, tuple[Any, ...]]]:
    t = lambda minutes: _ts(dialect, NOW - timedelta(minutes=minutes))  # noqa: E731
    return [
        (
            "INSERT INTO sessions (id, name, provider, labels, state, last_heartbeat, "
            "registered_at, updated_at) VALUES ('s1', 'architect_main', 'claude', "
            "'[\"llm\"]', 'busy', {}, {}, {})",
            (t(1), t(60), t(1)),
        ),
        (
            "INSERT INTO tasks (id, type, priority, status, session_id, created_at, updated_at, "
            "enqueued_at, started_at, finished_at) VALUES "
            "('t1', 'prompt', 5, 'succeeded', 's1', {}, {}, {}, {}, {})",
            (t(30), t(5), t(30), t(20), t(5)),
        ),
        (
            "INSERT INTO tasks (id, type, priority, status, created_at, updated_at, enqueued_at)"
            " VALUES ('t2', 'shell', 7, 'pending', {}, {}, {})",
            (t(3), t(3), t(3)),
        ),
        (
            "INSERT INTO assignments (task_id, session_id, attempt, status, assigned_at, "
            "lease_expires_at, finished_at) VALUES ('t1', 's1', 1, 'completed', {}, {}, {})",
            (t(25), t(24), t(5)),
        ),
        (
            "INSERT INTO task_events (task_id, event, created_at) VALUES ('t1', 'assigned', {})",
            (t(25),),
        ),
        (
            "INSERT INTO sla_events (task_id, task_type, kind, level, occurred_at) "
            "VALUES ('t1', 'prompt', 'breach', 1, {})",
            (t(10),),
        ),
    ]


def _value(param: Any, dialect: str) -> Any:
    if param.default is not None:
        return param.default
    if not param.required:
        return None
    if param.enum:
        return list(param.enum[:2]) if param.list else param.enum[0]
    sample = {
        ParamType.INTEGER: 10,
        ParamType.FLOAT: 1.5,
        ParamType.STRING: "shell",
        ParamType.BOOLEAN: True,
        ParamType.TIMESTAMP: _ts(dialect, NOW - timedelta(days=1)),
        ParamType.DURATION: "5m",
        ParamType.UUID: str(uuid.uuid4()),
    }[param.type]
    return [sample] if param.list else sample


def _bind(tpl: QueryTemplate, dialect: str) -> tuple[str, list[Any]]:
    """The template's SQL with positional placeholders, and the values in order (lists are
    expanded to one placeholder per element, as the query service does)."""
    values = {p.name: _value(p, dialect) for p in tpl.params}
    args: list[Any] = []

    def sub(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        items = value if isinstance(value, list) else [value]
        marks = []
        for item in items:
            args.append(item)
            marks.append("?" if dialect == "sqlite" else f"${len(args)}")
        return ", ".join(marks)

    return _PLACEHOLDER.sub(sub, tpl.sql_for(dialect)), args


def _index_ddl(name: str, index: IndexDef) -> str:
    unique = "UNIQUE " if index.unique else ""
    where = f" WHERE {index.where}" if index.where else ""
    return f"CREATE {unique}INDEX {name} ON {index.table} ({', '.join(index.columns)}){where}"


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    db = sqlite3.connect(Path(tmp_path_factory.mktemp("sql")) / "store.db")
    db.executescript(_TABLES.format(**DIALECTS["sqlite"]))
    for name, index in CONFIG.queries.indexes.items():
        db.execute(_index_ddl(name, index))
    for sql, args in _rows("sqlite"):
        db.execute(sql.format(*["?"] * len(args)), args)
    return db


@pytest.mark.parametrize(("name", "tpl"), QUERIES, ids=[n for n, _ in QUERIES])
def test_query_runs_on_sqlite(sqlite_db: sqlite3.Connection, name: str, tpl: QueryTemplate) -> None:
    sql, args = _bind(tpl, "sqlite")
    plan = " ".join(str(r[-1]) for r in sqlite_db.execute("EXPLAIN QUERY PLAN " + sql, args))
    rows = sqlite_db.execute(sql, args).fetchall()
    assert isinstance(rows, list)
    # Templates that declare an index on a plain filter must be able to use one.
    if tpl.indexes and name in ("pending_tasks", "task_history", "sla_events_for_task"):
        assert "USING" in plan and "INDEX" in plan, plan


def test_queries_return_the_seeded_rows(sqlite_db: sqlite3.Connection) -> None:
    templates = CONFIG.queries.queries
    sql, args = _bind(templates["pending_tasks"], "sqlite")
    assert [r[0] for r in sqlite_db.execute(sql, args)] == ["t2"]
    sql, args = _bind(templates["task_durations_by_type"], "sqlite")
    ((task_type, finished, avg_seconds, _),) = sqlite_db.execute(sql, args).fetchall()
    assert (task_type, finished) == ("prompt", 1)
    assert avg_seconds == pytest.approx(15 * 60, abs=0.01)


@pytest.fixture
async def pg() -> AsyncIterator[Any]:
    dsn = os.environ.get("ARCHITECT_TEST_POSTGRES_DSN")
    if not dsn:
        if os.environ.get("ARCHITECT_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "ARCHITECT_TEST_REQUIRE_POSTGRES=1 but ARCHITECT_TEST_POSTGRES_DSN is unset"
            )
        pytest.skip("ARCHITECT_TEST_POSTGRES_DSN is not set; PostgreSQL query tests skipped")
    import asyncpg

    admin = await asyncpg.connect(dsn)
    name = f"arch_cfg_{uuid.uuid4().hex[:10]}"
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        conn = await asyncpg.connect(dsn.rsplit("/", 1)[0] + f"/{name}")
        try:
            await conn.execute(_TABLES.format(**DIALECTS["postgres"]))
            for index_name, index in CONFIG.queries.indexes.items():
                await conn.execute(_index_ddl(index_name, index))
            for sql, args in _rows("postgres"):
                await conn.execute(sql.format(*[f"${i + 1}" for i in range(len(args))]), *args)
            yield conn
        finally:
            await conn.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.mark.postgres
async def test_every_query_runs_on_postgres(pg: Any) -> None:
    results = {}
    for name, tpl in QUERIES:
        sql, args = _bind(tpl, "postgres")
        results[name] = await pg.fetch(sql, *args)
    assert [r["id"] for r in results["pending_tasks"]] == ["t2"]
    (row,) = results["task_durations_by_type"]
    assert row["avg_seconds"] == pytest.approx(15 * 60, abs=0.01)
