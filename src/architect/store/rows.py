"""Rows to records, and the per-dialect encoding of timestamps and JSON.

Both drivers return rows that can be indexed by column name (``sqlite3.Row``,
``asyncpg.Record``), so one set of converters serves both; a ``Codec`` says how
a dialect stores timestamps and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from architect.store.records import (
    AssignmentRecord,
    NewTask,
    SessionRecord,
    TaskEventRecord,
    TaskRecord,
)


class Row(Protocol):
    """A driver row readable by column name (``sqlite3.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: str, /) -> Any: ...


# One encoder, built once: json.dumps with non-default options builds a new encoder per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dump_json(value: Any) -> str:
    """Compact JSON text, as both dialects store it."""
    if not value and isinstance(value, dict | list | tuple):
        return "{}" if isinstance(value, dict) else "[]"
    return _ENCODER.encode(value)


def sqlite_ts(value: datetime) -> str:
    """The contract's fixed text form: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` (sorts as time)."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _sqlite_ts_in(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _pg_ts_in(value: Any) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _json_in(value: Any) -> Any:
    return None if value is None else json.loads(value)


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Codec:
    """How one dialect's rows hold timestamps and JSON."""

    ts_in: Callable[[Any], datetime | None]
    json_in: Callable[[Any], Any]


#: SQLite: timestamps as text, JSON as text.
SQLITE = Codec(ts_in=_sqlite_ts_in, json_in=_json_in)
#: PostgreSQL: timestamptz arrives as datetime; jsonb is decoded by the connection's codec.
POSTGRES = Codec(ts_in=_pg_ts_in, json_in=_identity)


def _ts(codec: Codec, value: Any) -> datetime:
    out = codec.ts_in(value)
    assert out is not None, "a NOT NULL timestamp column held NULL"
    return out


def session_from_row(row: Row, codec: Codec) -> SessionRecord:
    """A ``sessions`` row as a record."""
    return SessionRecord(
        id=row["id"],
        name=row["name"],
        provider=row["provider"],
        labels=tuple(codec.json_in(row["labels"])),
        capacity=row["capacity"],
        state=row["state"],
        metadata=codec.json_in(row["metadata"]),
        last_heartbeat=codec.ts_in(row["last_heartbeat"]),
        registered_at=_ts(codec, row["registered_at"]),
        updated_at=_ts(codec, row["updated_at"]),
    )


def task_from_row(row: Row, codec: Codec) -> TaskRecord:
    """A ``tasks`` row as a record."""
    return TaskRecord(
        id=row["id"],
        type=row["type"],
        payload=codec.json_in(row["payload"]),
        priority=row["priority"],
        required_labels=tuple(codec.json_in(row["required_labels"])),
        preferred_sessions=tuple(codec.json_in(row["preferred_sessions"])),
        idempotency_key=row["idempotency_key"],
        status=row["status"],
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
        session_id=row["session_id"],
        result=codec.json_in(row["result"]),
        error=row["error"],
        workflow_id=row["workflow_id"],
        workflow_step=row["workflow_step"],
        config_version=row["config_version"],
        metadata=codec.json_in(row["metadata"]),
        created_at=_ts(codec, row["created_at"]),
        updated_at=_ts(codec, row["updated_at"]),
        enqueued_at=_ts(codec, row["enqueued_at"]),
        started_at=codec.ts_in(row["started_at"]),
        finished_at=codec.ts_in(row["finished_at"]),
    )


def assignment_from_row(row: Row, codec: Codec) -> AssignmentRecord:
    """An ``assignments`` row as a record."""
    return AssignmentRecord(
        id=row["id"],
        task_id=row["task_id"],
        session_id=row["session_id"],
        attempt=row["attempt"],
        status=row["status"],
        assigned_at=_ts(codec, row["assigned_at"]),
        lease_expires_at=_ts(codec, row["lease_expires_at"]),
        started_at=codec.ts_in(row["started_at"]),
        finished_at=codec.ts_in(row["finished_at"]),
        config_version=row["config_version"],
    )


def event_from_row(row: Row, codec: Codec) -> TaskEventRecord:
    """A ``task_events`` row as a record."""
    return TaskEventRecord(
        id=row["id"],
        task_id=row["task_id"],
        event=row["event"],
        from_status=row["from_status"],
        to_status=row["to_status"],
        session_id=row["session_id"],
        attempt=row["attempt"],
        detail=codec.json_in(row["detail"]),
        config_version=row["config_version"],
        created_at=_ts(codec, row["created_at"]),
    )


TASK_COLUMNS = (
    "id, type, payload, priority, required_labels, preferred_sessions, idempotency_key, "
    "status, attempt, max_attempts, session_id, result, error, workflow_id, workflow_step, "
    "config_version, metadata, created_at, updated_at, enqueued_at, started_at, finished_at"
)


def new_task_record(t: NewTask, now: datetime, payload: Any, metadata: Any) -> TaskRecord:
    """The record of ``t`` as ``insert_tasks`` stores it at ``now`` (pending, attempt 0)."""
    return TaskRecord(
        id=t.id, type=t.type, payload=payload, priority=t.priority,
        required_labels=tuple(t.required_labels), preferred_sessions=tuple(t.preferred_sessions),
        idempotency_key=t.idempotency_key, status="pending", attempt=0,
        max_attempts=t.max_attempts, session_id=None, result=None, error=None,
        workflow_id=t.workflow_id, workflow_step=t.workflow_step,
        config_version=t.config_version, metadata=metadata, created_at=now,
        updated_at=now, enqueued_at=now, started_at=None, finished_at=None,
    )  # fmt: skip
