"""Frozen records the store reads and writes.

``*Record`` classes are rows as they are stored; ``New*`` classes and ``Finish``
describe a change to make. Every timestamp is timezone-aware UTC. JSON columns
come back as plain Python values (dicts, lists, strings, numbers).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TaskStatus = Literal[
    "pending", "assigned", "running", "succeeded", "failed", "cancelled", "timed_out"
]
SessionState = Literal["idle", "busy", "draining", "waiting_for_human", "offline"]
AssignmentStatus = Literal["active", "completed", "failed", "expired", "cancelled"]
TaskEventKind = Literal[
    "submitted",
    "assigned",
    "started",
    "succeeded",
    "failed",
    "requeued",
    "cancelled",
    "timed_out",
    "routed",
]

#: Task statuses that hold a place in the live (in-memory) routing state.
LIVE_TASK_STATUSES: tuple[TaskStatus, ...] = ("pending", "assigned", "running")
#: Task statuses a task never leaves.
TERMINAL_TASK_STATUSES: tuple[TaskStatus, ...] = ("succeeded", "failed", "cancelled", "timed_out")


def new_id() -> str:
    """A fresh entity id (a random UUID in its canonical text form)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A worker session as stored."""

    id: str
    name: str
    provider: str
    labels: tuple[str, ...]
    capacity: int
    state: SessionState
    metadata: Mapping[str, Any]
    last_heartbeat: datetime | None
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session registering (or re-registering under the same name)."""

    name: str
    provider: str
    labels: tuple[str, ...] = ()
    capacity: int = 1
    state: SessionState = "idle"
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """A task as stored (prompts are tasks of type ``prompt``)."""

    id: str
    type: str
    payload: Any
    priority: int
    required_labels: tuple[str, ...]
    preferred_sessions: tuple[str, ...]
    idempotency_key: str | None
    status: TaskStatus
    attempt: int
    max_attempts: int
    session_id: str | None
    result: Any
    error: str | None
    workflow_id: str | None
    workflow_step: str | None
    config_version: str | None
    metadata: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewTask:
    """A task to submit. A repeated ``idempotency_key`` returns the task stored first."""

    type: str
    payload: Any = field(default_factory=dict)
    priority: int = 0
    required_labels: tuple[str, ...] = ()
    preferred_sessions: tuple[str, ...] = ()
    idempotency_key: str | None = None
    max_attempts: int = 3
    workflow_id: str | None = None
    workflow_step: str | None = None
    config_version: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    """One attempt of one task on one session; ``attempt`` is the fencing token."""

    id: int
    task_id: str
    session_id: str
    attempt: int
    status: AssignmentStatus
    assigned_at: datetime
    lease_expires_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    config_version: str | None


@dataclass(frozen=True, slots=True)
class NewAssignment:
    """Assign a pending task to a session. The store picks the attempt (previous + 1)."""

    task_id: str
    session_id: str
    lease_expires_at: datetime
    config_version: str | None = None
    #: The routing decision (rule, winner, ...), kept in the ``assigned`` task event.
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttemptRef:
    """Names one attempt: what a worker's start or heartbeat carries."""

    task_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class LeaseExtension:
    """Move an active attempt's lease expiry (on a worker heartbeat)."""

    task_id: str
    attempt: int
    lease_expires_at: datetime


#: Task status a finish may move a task to; ``pending`` requeues it for another attempt.
FinishTaskStatus = Literal["succeeded", "failed", "cancelled", "timed_out", "pending"]
FinishAssignmentStatus = Literal["completed", "failed", "expired", "cancelled"]

_FINISH_EVENT: dict[str, TaskEventKind] = {
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "timed_out": "timed_out",
    "pending": "requeued",
}


@dataclass(frozen=True, slots=True)
class Finish:
    """End one attempt: the assignment's final status and the task's next status.

    Examples: a success is ``("completed", "succeeded")``; a failure with retries left is
    ``("failed", "pending")``; a lost lease is ``("expired", "pending")`` or, once retries
    are spent, ``("expired", "timed_out")``.
    """

    task_id: str
    attempt: int
    assignment_status: FinishAssignmentStatus
    task_status: FinishTaskStatus
    result: Any = None
    error: str | None = None
    config_version: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def event(self) -> TaskEventKind:
        """The task event this finish writes."""
        return _FINISH_EVENT[self.task_status]


@dataclass(frozen=True, slots=True)
class TaskEventRecord:
    """One entry of the audit log."""

    id: int
    task_id: str
    event: TaskEventKind
    from_status: str | None
    to_status: str | None
    session_id: str | None
    attempt: int | None
    detail: Mapping[str, Any]
    config_version: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewTaskEvent:
    """An audit entry to append (e.g. a ``routed`` decision that assigned nothing)."""

    task_id: str
    event: TaskEventKind
    from_status: str | None = None
    to_status: str | None = None
    session_id: str | None = None
    attempt: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    config_version: str | None = None


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Which tasks ``list_tasks`` returns; empty fields do not filter."""

    statuses: tuple[TaskStatus, ...] = ()
    type: str | None = None
    session_id: str | None = None
    workflow_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskPage:
    """One page of ``list_tasks``; ``next_page_token`` is empty on the last page."""

    tasks: tuple[TaskRecord, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class LiveState:
    """Everything the in-memory routing state is rebuilt from at start."""

    sessions: tuple[SessionRecord, ...]
    tasks: tuple[TaskRecord, ...]
    assignments: tuple[AssignmentRecord, ...]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Rows of a read-only query; ``truncated`` when more than ``max_rows`` existed."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    #: The driver's type name per column where the driver reports one (PostgreSQL:
    #: ``int4``, ``timestamptz``, ``_text`` for arrays...); empty on SQLite, whose result
    #: columns have no declared type.
    column_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """An index some caller (the query templates) relies on. Built only from validated
    identifiers; ``where`` is a predicate written by the operator in config, never by a client."""

    name: str
    table: str
    columns: tuple[str, ...]
    where: str | None = None
    unique: bool = False


@dataclass
class StoreStats:
    """Counters for tests and metrics: committed write transactions, statements sent to the
    driver (one ``executemany`` counts once), and write batches run by group commit."""

    transactions: int = 0
    statements: int = 0
    batches: int = 0
    failed_batches: int = 0

    def snapshot(self) -> StoreStats:
        """A copy, to diff against later."""
        return StoreStats(self.transactions, self.statements, self.batches, self.failed_batches)
