"""Conversions between store records and architect.v1 messages (no logic, no I/O)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from architect.routing.live import LiveAssignment, LiveSession
from architect.store.records import AssignmentRecord, SessionRecord, TaskRecord, TaskStatus
from architect.v1 import common_pb2, routing_pb2

TASK_STATES: dict[str, int] = {
    "pending": common_pb2.TASK_STATE_PENDING,
    "assigned": common_pb2.TASK_STATE_ASSIGNED,
    "running": common_pb2.TASK_STATE_RUNNING,
    "succeeded": common_pb2.TASK_STATE_SUCCEEDED,
    "failed": common_pb2.TASK_STATE_FAILED,
    "cancelled": common_pb2.TASK_STATE_CANCELLED,
    "timed_out": common_pb2.TASK_STATE_TIMED_OUT,
}
TASK_STATUS_OF: dict[int, TaskStatus] = {v: k for k, v in TASK_STATES.items()}  # type: ignore[misc]

SESSION_STATES: dict[str, int] = {
    "idle": common_pb2.SESSION_STATE_IDLE,
    "busy": common_pb2.SESSION_STATE_BUSY,
    "draining": common_pb2.SESSION_STATE_DRAINING,
    "waiting_for_human": common_pb2.SESSION_STATE_WAITING_FOR_HUMAN,
    "offline": common_pb2.SESSION_STATE_OFFLINE,
}
SESSION_STATE_OF: dict[int, str] = {v: k for k, v in SESSION_STATES.items()}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(when: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A Timestamp of an aware datetime, or None to leave the field unset.

    Integer arithmetic on the timedelta since the epoch: exact, and about six times cheaper
    than ``Timestamp.FromDatetime``, which every Task message paid five times.
    """
    if when is None:
        return None
    delta = when - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def to_struct(value: Any) -> struct_pb2.Struct | None:
    """A Struct from a JSON object; other JSON values are wrapped as ``{"value": ...}``."""
    if value is None:
        return None
    s = struct_pb2.Struct()
    s.update(value if isinstance(value, Mapping) else {"value": value})
    return s


def from_struct(message: struct_pb2.Struct) -> dict[str, Any]:
    """A plain dict from a Struct (numbers come back as floats, as JSON has them)."""
    out: dict[str, Any] = json_format.MessageToDict(message)
    return out


def task(rec: TaskRecord) -> common_pb2.Task:
    """The API view of a task."""
    return common_pb2.Task(
        id=rec.id,
        type=rec.type,
        payload=to_struct(rec.payload),
        priority=rec.priority,
        required_labels=rec.required_labels,
        preferred_sessions=rec.preferred_sessions,
        metadata={str(k): str(v) for k, v in rec.metadata.items()},
        idempotency_key=rec.idempotency_key or "",
        state=TASK_STATES[rec.status],  # type: ignore[arg-type]
        attempt=rec.attempt,
        max_attempts=rec.max_attempts,
        session_id=rec.session_id or "",
        created_at=timestamp(rec.created_at),
        updated_at=timestamp(rec.updated_at),
        enqueued_at=timestamp(rec.enqueued_at),
        started_at=timestamp(rec.started_at),
        finished_at=timestamp(rec.finished_at),
        result=to_struct(rec.result),
        error=rec.error or "",
        workflow_id=rec.workflow_id or "",
        workflow_step=rec.workflow_step or "",
        config_version=rec.config_version or "",
    )


def assigned(rec: TaskRecord, a: AssignmentRecord) -> TaskRecord:
    """The task as the assignment just left it (saves a read after the commit)."""
    return dataclasses.replace(
        rec,
        status="assigned",
        attempt=a.attempt,
        session_id=a.session_id,
        updated_at=a.assigned_at,
        config_version=a.config_version,
    )


def assignment(la: LiveAssignment) -> common_pb2.Assignment:
    """The API view of a live assignment, with the whole task for the worker."""
    return common_pb2.Assignment(
        task_id=la.task_id,
        session_id=la.session_id,
        attempt=la.attempt,
        assigned_at=timestamp(la.assigned_at),
        lease_expires_at=timestamp(la.lease_expires_at),
        task=task(la.task),
    )


def assigned_message(la: LiveAssignment) -> routing_pb2.SessionStreamResponse:
    return routing_pb2.SessionStreamResponse(
        assigned=routing_pb2.StreamAssigned(assignment=assignment(la))
    )


def cancel_message(la: LiveAssignment, reason: str) -> routing_pb2.SessionStreamResponse:
    return routing_pb2.SessionStreamResponse(
        cancel_task=routing_pb2.StreamCancelTask(
            task_id=la.task_id, attempt=la.attempt, reason=reason
        )
    )


def session_record(rec: SessionRecord) -> common_pb2.Session:
    """The API view of a session the engine does not track (offline)."""
    return common_pb2.Session(
        id=rec.id,
        name=rec.name,
        provider=rec.provider,
        labels=rec.labels,
        capacity=rec.capacity,
        state=SESSION_STATES[rec.state],  # type: ignore[arg-type]
        last_heartbeat=timestamp(rec.last_heartbeat),
        registered_at=timestamp(rec.registered_at),
        metadata={str(k): str(v) for k, v in rec.metadata.items()},
    )


def session(live: LiveSession) -> common_pb2.Session:
    """The API view of a session the engine tracks."""
    rec = live.record
    return common_pb2.Session(
        id=rec.id,
        name=rec.name,
        provider=rec.provider,
        labels=rec.labels,
        capacity=rec.capacity,
        active_tasks=len(live.tasks),
        state=SESSION_STATES[live.reported_state],  # type: ignore[arg-type]
        last_heartbeat=timestamp(live.last_beat),
        registered_at=timestamp(rec.registered_at),
        metadata={str(k): str(v) for k, v in rec.metadata.items()},
        connected=live.connection is not None,
    )
