"""The write operations of the SQLite store.

Each function runs on the writer thread, inside the group-commit transaction
and a savepoint (see ``sqlite.py``), and may raise to roll its savepoint back;
``sqlite_kinds`` runs them for many callers at once. "One statement per table
per batch" here means one ``executemany`` per table: SQLite runs in-process, so
a statement costs no round trip, and the transaction (one WAL fsync) is what
batching saves.

Sets of ids are passed as one JSON array and expanded with ``json_each`` so
that the SQL text is fixed (prepared once, cached by sqlite3) whatever the
batch size.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from architect import errors
from architect.store.base import stale
from architect.store.records import (
    TERMINAL_TASK_STATUSES,
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
    SQLITE,
    TASK_COLUMNS,
    assignment_from_row,
    dump_json,
    new_task_record,
    session_from_row,
    sqlite_ts,
    task_from_row,
)


class SqliteConn:
    """A ``sqlite3.Connection`` that counts the statements the store sends through it."""

    def __init__(self, raw: sqlite3.Connection, stats: StoreStats) -> None:
        self.raw = raw
        self._stats = stats

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement."""
        self._stats.statements += 1
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement over many parameter rows; return the rows changed."""
        self._stats.statements += 1
        return self.raw.executemany(sql, rows).rowcount

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a query and return every row."""
        return self.execute(sql, params).fetchall()


def _ids(values: Iterable[str]) -> str:
    return dump_json(list(values))


_IN_IDS = "(SELECT value FROM json_each(?))"
_EVENT_INSERT = (
    "INSERT INTO task_events (task_id, event, from_status, to_status, session_id, attempt, "
    "detail, config_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_TASK_INSERT = f"INSERT INTO tasks ({TASK_COLUMNS}) VALUES ({', '.join('?' * 22)})"


def _task_params(t: TaskRecord) -> tuple[Any, ...]:
    return (
        t.id, t.type, dump_json(t.payload), t.priority, dump_json(list(t.required_labels)),
        dump_json(list(t.preferred_sessions)), t.idempotency_key, t.status, t.attempt,
        t.max_attempts, t.session_id, None, None, t.workflow_id, t.workflow_step,
        t.config_version, dump_json(dict(t.metadata)), sqlite_ts(t.created_at),
        sqlite_ts(t.updated_at), sqlite_ts(t.enqueued_at), None, None,
    )  # fmt: skip


def insert_tasks(
    c: SqliteConn, now: datetime, tasks: Sequence[NewTask]
) -> list[tuple[TaskRecord, bool]]:
    """See ``Store.insert_tasks``."""
    keys = {t.idempotency_key for t in tasks if t.idempotency_key is not None}
    known: dict[str, TaskRecord] = {}
    if keys:
        rows = c.fetchall(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE idempotency_key IN {_IN_IDS}", [_ids(keys)]
        )
        known = {r["idempotency_key"]: task_from_row(r, SQLITE) for r in rows}
    out: list[tuple[TaskRecord, bool]] = []
    fresh: list[TaskRecord] = []
    for t in tasks:
        if t.idempotency_key is not None and t.idempotency_key in known:
            out.append((known[t.idempotency_key], False))
            continue
        rec = new_task_record(t, now, t.payload, dict(t.metadata))
        if t.idempotency_key is not None:
            known[t.idempotency_key] = rec
        fresh.append(rec)
        out.append((rec, True))
    if fresh:
        c.executemany(_TASK_INSERT, [_task_params(t) for t in fresh])
        ts = sqlite_ts(now)
        c.executemany(
            _EVENT_INSERT,
            [(t.id, "submitted", None, "pending", None, None, "{}", t.config_version, ts)
             for t in fresh],
        )  # fmt: skip
    return out


def cancel_task(
    c: SqliteConn,
    now: datetime,
    task_id: str,
    reason: str,
    config_version: str | None,
    to_status: str = "cancelled",
) -> TaskRecord:
    """See ``Store.cancel_task`` (and ``fail_pending_task``, with ``to_status='failed'``,
    which only a pending task may take)."""
    rows = c.fetchall("SELECT status, attempt, session_id FROM tasks WHERE id = ?", [task_id])
    if not rows:
        raise errors.NotFound(f"task {task_id} does not exist")
    status = rows[0]["status"]
    if status in TERMINAL_TASK_STATUSES:
        raise errors.FailedPrecondition(f"task {task_id} already finished ({status})")
    if to_status != "cancelled" and status != "pending":
        raise errors.FailedPrecondition(f"task {task_id} is {status}, not pending")
    ts = sqlite_ts(now)
    c.execute(
        "UPDATE assignments SET status = 'cancelled', finished_at = ? "
        "WHERE task_id = ? AND status = 'active'",
        [ts, task_id],
    )
    c.execute(
        "UPDATE tasks SET status = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?",
        [to_status, reason or None, ts, ts, task_id],
    )
    c.executemany(
        _EVENT_INSERT,
        [(task_id, to_status, status, to_status, rows[0]["session_id"], rows[0]["attempt"],
          dump_json({"reason": reason}), config_version, ts)],
    )  # fmt: skip
    row = c.fetchall(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?", [task_id])[0]
    return task_from_row(row, SQLITE)


def upsert_session(c: SqliteConn, now: datetime, s: NewSession, new_id: str) -> SessionRecord:
    """See ``Store.upsert_session``."""
    ts = sqlite_ts(now)
    row = c.fetchall(
        "INSERT INTO sessions (id, name, provider, labels, capacity, state, metadata, "
        "last_heartbeat, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, "
        "labels = excluded.labels, capacity = excluded.capacity, state = excluded.state, "
        "metadata = excluded.metadata, last_heartbeat = excluded.last_heartbeat, "
        "updated_at = excluded.updated_at RETURNING *",
        [new_id, s.name, s.provider, dump_json(list(s.labels)), s.capacity, s.state,
         dump_json(dict(s.metadata)), ts, ts, ts],
    )[0]  # fmt: skip
    return session_from_row(row, SQLITE)


def set_session_state(c: SqliteConn, now: datetime, session_id: str, state: str) -> SessionRecord:
    """See ``Store.set_session_state``."""
    rows = c.fetchall(
        "UPDATE sessions SET state = ?, updated_at = ? WHERE id = ? RETURNING *",
        [state, sqlite_ts(now), session_id],
    )
    if not rows:
        raise errors.NotFound(f"session {session_id} does not exist")
    return session_from_row(rows[0], SQLITE)


def record_heartbeats(c: SqliteConn, beats: dict[str, datetime]) -> set[str]:
    """See ``Store.record_heartbeats`` (``beats`` already holds the latest beat per session):
    one statement; the ids updated."""
    rows = c.fetchall(
        "UPDATE sessions SET last_heartbeat = b.at FROM (SELECT json_extract(value, '$[0]') "
        "AS id, json_extract(value, '$[1]') AS at FROM json_each(?)) AS b "
        "WHERE sessions.id = b.id "
        "AND (sessions.last_heartbeat IS NULL OR sessions.last_heartbeat < b.at) "
        "RETURNING sessions.id",
        [dump_json([[sid, sqlite_ts(at)] for sid, at in beats.items()])],
    )
    return {r["id"] for r in rows}


def task_states(c: SqliteConn, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """(status, attempt) of each of these tasks that exists."""
    rows = c.fetchall(f"SELECT id, status, attempt FROM tasks WHERE id IN {_IN_IDS}", [_ids(ids)])
    return {r["id"]: (r["status"], r["attempt"]) for r in rows}


def not_assignable(
    states: dict[str, tuple[str, int]], items: Sequence[NewAssignment]
) -> errors.FailedPrecondition | None:
    """Why ``items`` cannot be assigned (the first task not pending), or None."""
    for a in items:
        if a.task_id not in states:
            return errors.FailedPrecondition(f"cannot assign task {a.task_id}: it does not exist")
        if states[a.task_id][0] != "pending":
            return errors.FailedPrecondition(
                f"cannot assign task {a.task_id}: it is {states[a.task_id][0]}, not pending"
            )
    return None


def record_assignments(
    c: SqliteConn,
    now: datetime,
    items: Sequence[NewAssignment],
    states: dict[str, tuple[str, int]] | None = None,
) -> list[AssignmentRecord]:
    """See ``Store.record_assignments``. ``states`` (from ``task_states``) when the caller
    has already checked that every task is pending."""
    ids = [a.task_id for a in items]
    if states is None:
        states = task_states(c, ids)
        refusal = not_assignable(states, items)
        if refusal is not None:
            raise refusal
    ts = sqlite_ts(now)
    c.executemany(
        "UPDATE tasks SET status = 'assigned', attempt = attempt + 1, session_id = ?, "
        "updated_at = ? WHERE id = ?",
        [(a.session_id, ts, a.task_id) for a in items],
    )
    c.executemany(
        "INSERT INTO assignments (task_id, session_id, attempt, status, assigned_at, "
        "lease_expires_at, config_version) VALUES (?, ?, ?, 'active', ?, ?, ?)",
        [(a.task_id, a.session_id, states[a.task_id][1] + 1, ts, sqlite_ts(a.lease_expires_at),
          a.config_version) for a in items],
    )  # fmt: skip
    c.executemany(
        _EVENT_INSERT,
        [(a.task_id, "assigned", "pending", "assigned", a.session_id, states[a.task_id][1] + 1,
          dump_json(dict(a.detail)), a.config_version, ts) for a in items],
    )  # fmt: skip
    got = c.fetchall(
        f"SELECT * FROM assignments WHERE status = 'active' AND task_id IN {_IN_IDS}", [_ids(ids)]
    )
    by_task = {r["task_id"]: assignment_from_row(r, SQLITE) for r in got}
    return [by_task[a.task_id] for a in items]


def _active(c: SqliteConn, refs: Sequence[AttemptRef | Finish | LeaseExtension]) -> list[bool]:
    """Which refs name their task's active attempt (a repeat within the batch is stale)."""
    rows = c.fetchall(
        "SELECT a.task_id, a.attempt FROM assignments a "
        f"WHERE a.status = 'active' AND a.task_id IN {_IN_IDS}",
        [_ids(r.task_id for r in refs)],
    )
    active = {(r["task_id"], r["attempt"]) for r in rows}
    seen: set[tuple[str, int]] = set()
    valid = []
    for r in refs:
        key = (r.task_id, r.attempt)
        valid.append(key in active and key not in seen)
        seen.add(key)
    return valid


def _tasks_by_id(c: SqliteConn, ids: Iterable[str]) -> dict[str, TaskRecord]:
    rows = c.fetchall(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id IN {_IN_IDS}", [_ids(ids)])
    return {r["id"]: task_from_row(r, SQLITE) for r in rows}


def start_assignments(
    c: SqliteConn, now: datetime, refs: Sequence[AttemptRef]
) -> list[TaskRecord | errors.StaleAttempt]:
    """See ``Store.start_assignments``."""
    valid = _active(c, refs)
    ok = [r for r, v in zip(refs, valid, strict=True) if v]
    ts = sqlite_ts(now)
    if ok:
        before = _tasks_by_id(c, (r.task_id for r in ok))
        c.executemany(
            "UPDATE assignments SET started_at = coalesce(started_at, ?) "
            "WHERE task_id = ? AND attempt = ?",
            [(ts, r.task_id, r.attempt) for r in ok],
        )
        c.executemany(
            "UPDATE tasks SET status = 'running', started_at = coalesce(started_at, ?), "
            "updated_at = ? WHERE id = ?",
            [(ts, ts, r.task_id) for r in ok],
        )
        c.executemany(
            _EVENT_INSERT,
            [(r.task_id, "started", before[r.task_id].status, "running",
              before[r.task_id].session_id, r.attempt, "{}", None, ts) for r in ok],
        )  # fmt: skip
    # The rows as the UPDATEs left them, built here rather than read back (reading and
    # decoding every task again was a fifth of the writer thread's time under load).
    after = {
        r.task_id: replace(
            before[r.task_id],
            status="running",
            started_at=before[r.task_id].started_at or now,
            updated_at=now,
        )
        for r in ok
    }
    return [
        after[r.task_id] if v else stale(r.task_id, r.attempt)
        for r, v in zip(refs, valid, strict=True)
    ]


def extend_leases(
    c: SqliteConn, items: Sequence[LeaseExtension]
) -> list[AssignmentRecord | errors.StaleAttempt]:
    """See ``Store.extend_leases``."""
    valid = _active(c, items)
    ok = [e for e, v in zip(items, valid, strict=True) if v]
    if not ok:
        return [stale(e.task_id, e.attempt) for e in items]
    c.executemany(
        "UPDATE assignments SET lease_expires_at = ? WHERE task_id = ? AND attempt = ?",
        [(sqlite_ts(e.lease_expires_at), e.task_id, e.attempt) for e in ok],
    )
    rows = c.fetchall(
        f"SELECT * FROM assignments WHERE status = 'active' AND task_id IN {_IN_IDS}",
        [_ids(e.task_id for e in ok)],
    )
    by_task = {r["task_id"]: assignment_from_row(r, SQLITE) for r in rows}
    return [
        by_task[e.task_id] if v else stale(e.task_id, e.attempt)
        for e, v in zip(items, valid, strict=True)
    ]


def finish_assignments(
    c: SqliteConn, now: datetime, items: Sequence[Finish]
) -> list[TaskRecord | errors.StaleAttempt]:
    """See ``Store.finish_assignments``."""
    valid = _active(c, items)
    ok = [f for f, v in zip(items, valid, strict=True) if v]
    if not ok:
        return [stale(f.task_id, f.attempt) for f in items]
    ts = sqlite_ts(now)
    before = _tasks_by_id(c, (f.task_id for f in ok))
    c.executemany(
        "UPDATE assignments SET status = ?, finished_at = ? WHERE task_id = ? AND attempt = ?",
        [(f.assignment_status, ts, f.task_id, f.attempt) for f in ok],
    )
    # A requeue (task_status 'pending') waits again from now and has not started or finished.
    c.executemany(
        "UPDATE tasks SET status = ?1, result = ?2, error = ?3, updated_at = ?4, "
        "finished_at = CASE WHEN ?1 = 'pending' THEN NULL ELSE ?4 END, "
        "started_at = CASE WHEN ?1 = 'pending' THEN NULL ELSE started_at END, "
        "enqueued_at = CASE WHEN ?1 = 'pending' THEN ?4 ELSE enqueued_at END WHERE id = ?5",
        [(f.task_status, None if f.result is None else dump_json(f.result), f.error, ts,
          f.task_id) for f in ok],
    )  # fmt: skip
    c.executemany(
        _EVENT_INSERT,
        [(f.task_id, f.event, before[f.task_id].status, f.task_status,
          before[f.task_id].session_id, f.attempt,
          dump_json({"assignment_status": f.assignment_status, **f.detail}),
          f.config_version, ts) for f in ok],
    )  # fmt: skip
    after = {f.task_id: _finished(before[f.task_id], f, now) for f in ok}
    return [
        after[f.task_id] if v else stale(f.task_id, f.attempt)
        for f, v in zip(items, valid, strict=True)
    ]


def _finished(task: TaskRecord, f: Finish, now: datetime) -> TaskRecord:
    """``task`` as finish_assignments' UPDATE leaves it (kept in step with that statement)."""
    requeued = f.task_status == "pending"
    return replace(
        task,
        status=f.task_status,
        result=f.result,
        error=f.error,
        updated_at=now,
        finished_at=None if requeued else now,
        started_at=None if requeued else task.started_at,
        enqueued_at=now if requeued else task.enqueued_at,
    )


def append_task_events(c: SqliteConn, now: datetime, events: Sequence[NewTaskEvent]) -> None:
    """See ``Store.append_task_events``."""
    ts = sqlite_ts(now)
    c.executemany(
        _EVENT_INSERT,
        [(e.task_id, e.event, e.from_status, e.to_status, e.session_id, e.attempt,
          dump_json(dict(e.detail)), e.config_version, ts) for e in events],
    )  # fmt: skip
