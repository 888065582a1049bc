"""The write operations of the PostgreSQL store.

Each function runs inside the group-commit transaction (see ``postgres.py``).
A batch travels as parallel arrays expanded with ``unnest``, so one statement
carries any number of rows; where a change touches several tables, data-
modifying CTEs do it in one round trip. JSON travels as text and is cast to
jsonb in SQL (the connection's jsonb codec passes text through unchanged).

Fencing idiom: ``UPDATE tasks t ... FROM tasks old WHERE old.id = t.id``
returns the row as it was before the statement (``old.status``), which is the
audit log's ``from_status``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from architect import errors
from architect.store.base import stale
from architect.store.records import (
    AssignmentRecord,
    AttemptRef,
    Finish,
    LeaseExtension,
    NewAssignment,
    NewSession,
    NewTask,
    NewTaskEvent,
    SessionRecord,
    StoreStats,
    TaskRecord,
)
from architect.store.rows import (
    POSTGRES,
    TASK_COLUMNS,
    assignment_from_row,
    dump_json,
    new_task_record,
    session_from_row,
    task_from_row,
)


class PgConn:
    """An asyncpg connection that counts the statements the store sends through it."""

    def __init__(self, raw: Any, stats: StoreStats) -> None:
        self.raw = raw
        self._stats = stats

    async def execute(self, sql: str, *args: Any) -> str:
        """Run one statement; return its status tag."""
        self._stats.statements += 1
        result: str = await self.raw.execute(sql, *args)
        return result

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """Run a query and return every row."""
        self._stats.statements += 1
        rows: list[Any] = await self.raw.fetch(sql, *args)
        return rows


_INSERT_TASKS = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],
                         $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[])
        WITH ORDINALITY AS i(id, type, payload, priority, required_labels, preferred_sessions,
                             idempotency_key, max_attempts, workflow_id, workflow_step,
                             config_version, metadata, ord)
), ins AS (
    INSERT INTO tasks (id, type, payload, priority, required_labels, preferred_sessions,
                       idempotency_key, status, attempt, max_attempts, workflow_id, workflow_step,
                       config_version, metadata, created_at, updated_at, enqueued_at)
    SELECT id, type, payload::jsonb, priority, required_labels::jsonb,
           preferred_sessions::jsonb, idempotency_key, 'pending', 0, max_attempts, workflow_id,
           workflow_step, config_version, metadata::jsonb, $13::timestamptz, $13, $13
    FROM input ORDER BY ord
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, config_version
), events AS (
    INSERT INTO task_events (task_id, event, to_status, config_version, created_at)
    SELECT id, 'submitted', 'pending', config_version, $13 FROM ins
)
SELECT id FROM ins
"""


async def insert_tasks(
    c: PgConn, now: datetime, tasks: Sequence[NewTask]
) -> list[tuple[TaskRecord, bool]]:
    """See ``Store.insert_tasks``: one statement, plus one lookup if a key was seen before.

    The statement returns only the ids it inserted: the records are built here from what
    was sent (JSON decoded back from the text sent, as a read would return it), which saves
    the server sending, and the client decoding, every column of every new row."""
    payloads = [dump_json(t.payload) for t in tasks]
    metadata = [dump_json(dict(t.metadata)) for t in tasks]
    rows = await c.fetch(
        _INSERT_TASKS,
        [t.id for t in tasks], [t.type for t in tasks], payloads,
        [t.priority for t in tasks], [dump_json(list(t.required_labels)) for t in tasks],
        [dump_json(list(t.preferred_sessions)) for t in tasks],
        [t.idempotency_key for t in tasks], [t.max_attempts for t in tasks],
        [t.workflow_id for t in tasks], [t.workflow_step for t in tasks],
        [t.config_version for t in tasks], metadata, now,
    )  # fmt: skip
    inserted = {r["id"] for r in rows}
    by_key: dict[str, TaskRecord] = {}
    missing = [t.idempotency_key for t in tasks if t.id not in inserted and t.idempotency_key]
    if missing:
        found = await c.fetch(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE idempotency_key = ANY($1::text[])", missing
        )
        by_key = {r["idempotency_key"]: task_from_row(r, POSTGRES) for r in found}
    at = now.astimezone(UTC)
    out: list[tuple[TaskRecord, bool]] = []
    for t, payload, meta in zip(tasks, payloads, metadata, strict=True):
        if t.id in inserted:
            out.append((new_task_record(t, at, json.loads(payload), json.loads(meta)), True))
        else:
            assert t.idempotency_key is not None, "only an idempotency conflict skips a row"
            out.append((by_key[t.idempotency_key], False))
    return out


async def cancel_task(
    c: PgConn,
    now: datetime,
    task_id: str,
    reason: str,
    config_version: str | None,
    to_status: str = "cancelled",
) -> TaskRecord:
    """See ``Store.cancel_task`` (and ``fail_pending_task``, with ``to_status='failed'``,
    which only a pending task may take)."""
    rows = await c.fetch("SELECT status FROM tasks WHERE id = $1 FOR UPDATE", task_id)
    if not rows:
        raise errors.NotFound(f"task {task_id} does not exist")
    status = rows[0]["status"]
    if status in ("succeeded", "failed", "cancelled", "timed_out"):
        raise errors.FailedPrecondition(f"task {task_id} already finished ({status})")
    if to_status != "cancelled" and status != "pending":
        raise errors.FailedPrecondition(f"task {task_id} is {status}, not pending")
    rows = await c.fetch(
        f"""
        WITH a AS (
            UPDATE assignments SET status = 'cancelled', finished_at = $2
            WHERE task_id = $1 AND status = 'active'
        ), t AS (
            UPDATE tasks SET status = $7, error = $3, updated_at = $2, finished_at = $2
            WHERE id = $1 RETURNING {TASK_COLUMNS}
        ), ev AS (
            INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt,
                                     detail, config_version, created_at)
            SELECT id, $7, $4, $7, session_id, attempt, $5::jsonb, $6, $2
            FROM t
        )
        SELECT * FROM t
        """,
        task_id, now, reason or None, status, dump_json({"reason": reason}), config_version,
        to_status,
    )  # fmt: skip
    return task_from_row(rows[0], POSTGRES)


async def upsert_session(c: PgConn, now: datetime, s: NewSession, new_id: str) -> SessionRecord:
    """See ``Store.upsert_session``."""
    rows = await c.fetch(
        "INSERT INTO sessions (id, name, provider, labels, capacity, state, metadata, "
        "last_heartbeat, registered_at, updated_at) "
        "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $8, $8) "
        "ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, "
        "labels = excluded.labels, capacity = excluded.capacity, state = excluded.state, "
        "metadata = excluded.metadata, last_heartbeat = excluded.last_heartbeat, "
        "updated_at = excluded.updated_at RETURNING *",
        new_id, s.name, s.provider, dump_json(list(s.labels)), s.capacity, s.state,
        dump_json(dict(s.metadata)), now,
    )  # fmt: skip
    return session_from_row(rows[0], POSTGRES)


async def set_session_state(c: PgConn, now: datetime, session_id: str, state: str) -> SessionRecord:
    """See ``Store.set_session_state``."""
    rows = await c.fetch(
        "UPDATE sessions SET state = $2, updated_at = $3 WHERE id = $1 RETURNING *",
        session_id, state, now,
    )  # fmt: skip
    if not rows:
        raise errors.NotFound(f"session {session_id} does not exist")
    return session_from_row(rows[0], POSTGRES)


async def record_heartbeats(c: PgConn, beats: dict[str, datetime]) -> set[str]:
    """See ``Store.record_heartbeats``: one ``UPDATE ... FROM unnest``; the ids updated."""
    rows = await c.fetch(
        "UPDATE sessions s SET last_heartbeat = i.at "
        "FROM unnest($1::text[], $2::timestamptz[]) AS i(id, at) "
        "WHERE s.id = i.id AND (s.last_heartbeat IS NULL OR s.last_heartbeat < i.at) "
        "RETURNING s.id",
        list(beats), list(beats.values()),
    )  # fmt: skip
    return {r["id"] for r in rows}


def not_assignable(task_id: str, status: str | None) -> errors.FailedPrecondition:
    """Why a task cannot be assigned: it is not pending (``status``) or does not exist."""
    why = f"it is {status}, not pending" if status is not None else "it does not exist"
    return errors.FailedPrecondition(f"cannot assign task {task_id}: {why}")


async def record_assignments(
    c: PgConn, now: datetime, items: Sequence[NewAssignment]
) -> list[AssignmentRecord]:
    """See ``Store.record_assignments``: one statement per table."""
    ids = [a.task_id for a in items]
    moved = await c.fetch(
        "UPDATE tasks t SET status = 'assigned', attempt = t.attempt + 1, "
        "session_id = i.session_id, updated_at = $3 "
        "FROM unnest($1::text[], $2::text[]) AS i(task_id, session_id) "
        "WHERE t.id = i.task_id AND t.status = 'pending' RETURNING t.id, t.attempt",
        ids, [a.session_id for a in items], now,
    )  # fmt: skip
    attempts = {r["id"]: r["attempt"] for r in moved}
    if len(attempts) != len(items):
        rows = await c.fetch("SELECT id, status FROM tasks WHERE id = ANY($1::text[])", ids)
        status = {r["id"]: r["status"] for r in rows}
        bad = next(a.task_id for a in items if a.task_id not in attempts)
        raise not_assignable(bad, status.get(bad))
    rows = await c.fetch(
        "INSERT INTO assignments (task_id, session_id, attempt, status, assigned_at, "
        "lease_expires_at, config_version) "
        "SELECT task_id, session_id, attempt, 'active', $4, lease, config_version "
        "FROM unnest($1::text[], $2::text[], $3::int[], $5::timestamptz[], $6::text[]) "
        "AS i(task_id, session_id, attempt, lease, config_version) RETURNING *",
        ids, [a.session_id for a in items], [attempts[i] for i in ids], now,
        [a.lease_expires_at for a in items], [a.config_version for a in items],
    )  # fmt: skip
    await c.execute(
        "INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt, "
        "detail, config_version, created_at) "
        "SELECT task_id, 'assigned', 'pending', 'assigned', session_id, attempt, detail::jsonb, "
        "config_version, $6 FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], "
        "$5::text[]) AS i(task_id, session_id, attempt, detail, config_version)",
        ids, [a.session_id for a in items], [attempts[i] for i in ids],
        [dump_json(dict(a.detail)) for a in items], [a.config_version for a in items], now,
    )  # fmt: skip
    by_task = {r["task_id"]: assignment_from_row(r, POSTGRES) for r in rows}
    return [by_task[i] for i in ids]


def _first_seen(refs: Sequence[AttemptRef | Finish | LeaseExtension]) -> list[bool]:
    """False for a repeat of an earlier (task, attempt) in the batch: it is stale."""
    seen: set[tuple[str, int]] = set()
    out = []
    for r in refs:
        out.append((r.task_id, r.attempt) not in seen)
        seen.add((r.task_id, r.attempt))
    return out


_START = f"""
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::int[]) AS i(task_id, attempt)
), fenced AS (
    UPDATE assignments a SET started_at = coalesce(a.started_at, $3)
    FROM input WHERE a.task_id = input.task_id AND a.attempt = input.attempt
      AND a.status = 'active'
    RETURNING a.task_id
), moved AS (
    UPDATE tasks t SET status = 'running', started_at = coalesce(t.started_at, $3),
                       updated_at = $3
    FROM fenced, tasks old WHERE t.id = fenced.task_id AND old.id = t.id
    RETURNING old.status AS from_status, {", ".join("t." + c for c in TASK_COLUMNS.split(", "))}
), events AS (
    INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt,
                             created_at)
    SELECT id, 'started', from_status, 'running', session_id, attempt, $3 FROM moved
)
SELECT * FROM moved
"""


async def start_assignments(
    c: PgConn, now: datetime, refs: Sequence[AttemptRef]
) -> list[TaskRecord | errors.StaleAttempt]:
    """See ``Store.start_assignments``: one statement."""
    first = _first_seen(refs)
    todo = [r for r, f in zip(refs, first, strict=True) if f]
    rows = await c.fetch(_START, [r.task_id for r in todo], [r.attempt for r in todo], now)
    done = {(r["id"], r["attempt"]): task_from_row(r, POSTGRES) for r in rows}
    return [
        done[(r.task_id, r.attempt)] if f and (r.task_id, r.attempt) in done else stale(*_key(r))
        for r, f in zip(refs, first, strict=True)
    ]


def _key(r: AttemptRef | Finish | LeaseExtension) -> tuple[str, int]:
    return r.task_id, r.attempt


async def extend_leases(
    c: PgConn, items: Sequence[LeaseExtension]
) -> list[AssignmentRecord | errors.StaleAttempt]:
    """See ``Store.extend_leases``: one statement."""
    first = _first_seen(items)
    todo = [e for e, f in zip(items, first, strict=True) if f]
    rows = await c.fetch(
        "UPDATE assignments a SET lease_expires_at = i.lease "
        "FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS i(task_id, attempt, lease) "
        "WHERE a.task_id = i.task_id AND a.attempt = i.attempt AND a.status = 'active' "
        "RETURNING a.*",
        [e.task_id for e in todo], [e.attempt for e in todo],
        [e.lease_expires_at for e in todo],
    )  # fmt: skip
    done = {(r["task_id"], r["attempt"]): assignment_from_row(r, POSTGRES) for r in rows}
    return [
        done[_key(e)] if f and _key(e) in done else stale(*_key(e))
        for e, f in zip(items, first, strict=True)
    ]


_FINISH = f"""
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::text[])
        AS i(task_id, attempt, astatus, tstatus, result, error, config_version, detail)
), fenced AS (
    UPDATE assignments a SET status = input.astatus, finished_at = $9
    FROM input WHERE a.task_id = input.task_id AND a.attempt = input.attempt
      AND a.status = 'active'
    RETURNING a.task_id, a.attempt
), moved AS (
    UPDATE tasks t SET
        status = input.tstatus, result = input.result::jsonb, error = input.error,
        updated_at = $9,
        -- a requeue ('pending') waits again from now and has not started or finished
        finished_at = CASE WHEN input.tstatus = 'pending' THEN NULL ELSE $9 END,
        started_at = CASE WHEN input.tstatus = 'pending' THEN NULL ELSE t.started_at END,
        enqueued_at = CASE WHEN input.tstatus = 'pending' THEN $9 ELSE t.enqueued_at END
    FROM fenced
    JOIN input ON input.task_id = fenced.task_id AND input.attempt = fenced.attempt,
    tasks old
    WHERE t.id = fenced.task_id AND old.id = t.id
    RETURNING old.status AS from_status, {", ".join("t." + c for c in TASK_COLUMNS.split(", "))}
), events AS (
    INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt,
                             detail, config_version, created_at)
    SELECT moved.id,
           CASE input.tstatus WHEN 'pending' THEN 'requeued' ELSE input.tstatus END,
           moved.from_status, input.tstatus, moved.session_id, moved.attempt,
           input.detail::jsonb, input.config_version, $9
    FROM moved JOIN input ON input.task_id = moved.id AND input.attempt = moved.attempt
)
SELECT * FROM moved
"""


async def finish_assignments(
    c: PgConn, now: datetime, items: Sequence[Finish]
) -> list[TaskRecord | errors.StaleAttempt]:
    """See ``Store.finish_assignments``: one statement."""
    first = _first_seen(items)
    todo = [f for f, ok in zip(items, first, strict=True) if ok]
    rows = await c.fetch(
        _FINISH,
        [f.task_id for f in todo], [f.attempt for f in todo],
        [f.assignment_status for f in todo], [f.task_status for f in todo],
        [None if f.result is None else dump_json(f.result) for f in todo],
        [f.error for f in todo], [f.config_version for f in todo],
        [dump_json({"assignment_status": f.assignment_status, **f.detail}) for f in todo], now,
    )  # fmt: skip
    done = {(r["id"], r["attempt"]): task_from_row(r, POSTGRES) for r in rows}
    return [
        done[_key(f)] if ok and _key(f) in done else stale(*_key(f))
        for f, ok in zip(items, first, strict=True)
    ]


async def append_task_events(c: PgConn, now: datetime, events: Sequence[NewTaskEvent]) -> None:
    """See ``Store.append_task_events``: one statement."""
    await c.execute(
        "INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt, "
        "detail, config_version, created_at) "
        "SELECT task_id, event, from_status, to_status, session_id, attempt, detail::jsonb, "
        "config_version, $9 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
        "$5::text[], $6::int[], $7::text[], $8::text[]) "
        "AS i(task_id, event, from_status, to_status, session_id, attempt, detail, config_version)",
        [e.task_id for e in events], [e.event for e in events],
        [e.from_status for e in events], [e.to_status for e in events],
        [e.session_id for e in events], [e.attempt for e in events],
        [dump_json(dict(e.detail)) for e in events], [e.config_version for e in events], now,
    )  # fmt: skip
