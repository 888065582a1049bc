"""The store interface every service uses, whatever the database behind it.

Two implementations: ``SqliteStore`` (embedded, the default) and
``PostgresStore`` (asyncpg). Writes go through group commit
(``architect.store.group_commit``): a write method returns only after the
transaction holding it has committed durably. Reads never block the event loop.

Errors: driver errors are translated where they arise into ``architect.errors``
(``AlreadyExists``/``AlreadyAssigned`` for unique violations, ``Unavailable``
for a lost or refused connection, ``DeadlineExceeded`` for timeouts,
``ReadOnlyViolation`` for a write on the read-only path).
"""

from __future__ import annotations

import abc
import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from architect import errors
from architect.clock import Clock
from architect.store.records import (
    AssignmentRecord,
    AttemptRef,
    Finish,
    IndexSpec,
    LeaseExtension,
    LiveState,
    NewAssignment,
    NewSession,
    NewTask,
    NewTaskEvent,
    QueryResult,
    SessionRecord,
    SessionState,
    StoreStats,
    TaskEventRecord,
    TaskFilter,
    TaskPage,
    TaskRecord,
)

if TYPE_CHECKING:
    from architect.store.indexes import IndexReport
    from architect.store.migrate import MigrationInfo, MigrationStatus

Dialect = Literal["sqlite", "postgres"]

MAX_PAGE_SIZE = 1000


class Store(abc.ABC):
    """Durable state: sessions, tasks, assignments, the audit log.

    Batch semantics, per method:

    - ``insert_tasks``, ``record_assignments``, ``append_task_events``: all or nothing;
      one failing item fails the call and writes none of its items.
    - ``start_assignments``, ``extend_leases``, ``finish_assignments``: item by item. An
      item whose attempt is not the task's active one is fenced: it changes nothing and
      its slot in the returned list holds a ``StaleAttempt`` (returned, not raised, so one
      stale worker does not fail the others batched with it). The others are applied.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.stats = StoreStats()

    @property
    @abc.abstractmethod
    def dialect(self) -> Dialect:
        """``'sqlite'`` or ``'postgres'``: which SQL flavour ``fetch_readonly`` takes."""

    # -- lifecycle -------------------------------------------------------------------

    @abc.abstractmethod
    async def close(self) -> None:
        """Finish queued writes, then release every connection and thread."""

    @abc.abstractmethod
    async def migrate(self) -> list[MigrationInfo]:
        """Apply pending migrations, each in its own transaction; return those applied."""

    @abc.abstractmethod
    async def migration_status(self) -> MigrationStatus:
        """Applied and pending migrations (raises ``MigrationError`` on a checksum change)."""

    @abc.abstractmethod
    async def ensure_indexes(self, specs: Sequence[IndexSpec]) -> IndexReport:
        """Create the declared indexes that do not exist yet; report those whose name is
        taken by an index of another shape (see ``architect.store.indexes``)."""

    # -- tasks -----------------------------------------------------------------------

    @abc.abstractmethod
    async def insert_tasks(self, tasks: Sequence[NewTask]) -> list[tuple[TaskRecord, bool]]:
        """Store new pending tasks (each with a ``submitted`` event).

        Returns ``(task, created)`` per input, in order. An idempotency key seen before
        (in the database or earlier in the same batch) returns the stored task with
        ``created=False`` and writes nothing for it. A duplicate id raises ``AlreadyExists``.
        """

    @abc.abstractmethod
    async def get_task(self, task_id: str) -> TaskRecord:
        """One task (``NotFound`` if there is none)."""

    @abc.abstractmethod
    async def list_tasks(
        self, where: TaskFilter | None = None, *, page_size: int = 100, page_token: str = ""
    ) -> TaskPage:
        """Tasks in creation order, a page at a time (keyset pagination on created_at, id)."""

    @abc.abstractmethod
    async def cancel_task(
        self, task_id: str, *, reason: str = "", config_version: str | None = None
    ) -> TaskRecord:
        """Cancel a task that has not finished, and its active assignment if any.

        ``NotFound`` if there is no such task, ``FailedPrecondition`` if it already finished.
        """

    @abc.abstractmethod
    async def fail_pending_task(
        self,
        task_id: str,
        *,
        error: str,
        config_version: str | None = None,
        status: Literal["failed", "timed_out"] = "failed",
    ) -> TaskRecord:
        """End a pending task that cannot run: ``failed`` when it cannot be routed (no rule,
        or fallback ``fail``), ``timed_out`` when it waited past its schedule-to-start limit.

        ``NotFound`` if there is no such task, ``FailedPrecondition`` if it is not pending.
        """

    # -- sessions --------------------------------------------------------------------

    @abc.abstractmethod
    async def upsert_session(self, session: NewSession) -> SessionRecord:
        """Register a session, or re-register one by name (its id stays the same)."""

    @abc.abstractmethod
    async def get_session(self, session_id: str) -> SessionRecord:
        """One session (``NotFound`` if there is none)."""

    @abc.abstractmethod
    async def list_sessions(self, states: Sequence[SessionState] = ()) -> list[SessionRecord]:
        """Sessions, optionally only those in ``states``, ordered by name."""

    @abc.abstractmethod
    async def set_session_state(self, session_id: str, state: SessionState) -> SessionRecord:
        """Change a session's state (``NotFound`` if there is none)."""

    @abc.abstractmethod
    async def record_heartbeats(self, beats: Sequence[tuple[str, datetime]]) -> int:
        """Set ``last_heartbeat`` for many sessions in one statement; return rows updated.

        A heartbeat never moves ``last_heartbeat`` backwards (late, reordered beats are ignored).
        """

    # -- assignments -----------------------------------------------------------------

    @abc.abstractmethod
    async def record_assignments(
        self, assignments: Sequence[NewAssignment]
    ) -> list[AssignmentRecord]:
        """Assign pending tasks: attempt = previous + 1, task -> ``assigned``, one event each.

        All or nothing: ``AlreadyAssigned`` if a task already has an active assignment,
        ``FailedPrecondition`` if a task is missing or not pending.
        """

    @abc.abstractmethod
    async def start_assignments(
        self, refs: Sequence[AttemptRef]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """Workers started these attempts: task -> ``running``. Per item; stale ones fenced."""

    @abc.abstractmethod
    async def extend_leases(
        self, extensions: Sequence[LeaseExtension]
    ) -> list[AssignmentRecord | errors.StaleAttempt]:
        """Move active leases' expiry. Per item; stale ones fenced."""

    @abc.abstractmethod
    async def finish_assignments(
        self, finishes: Sequence[Finish]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """End attempts (complete, fail, expire, cancel; requeue with ``task_status='pending'``).

        Per item; an item whose attempt is not active gets a ``StaleAttempt`` in its slot.
        """

    async def finish_assignment(self, finish: Finish) -> TaskRecord:
        """``finish_assignments`` for one item, raising ``StaleAttempt`` when fenced."""
        (outcome,) = await self.finish_assignments([finish])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    @abc.abstractmethod
    async def list_assignments(self, task_id: str) -> list[AssignmentRecord]:
        """Every attempt of one task, oldest first."""

    # -- audit log -------------------------------------------------------------------

    @abc.abstractmethod
    async def append_task_events(self, events: Sequence[NewTaskEvent]) -> None:
        """Append audit entries (e.g. ``routed`` decisions), in one statement."""

    @abc.abstractmethod
    async def list_task_events(self, task_id: str) -> list[TaskEventRecord]:
        """One task's audit log, oldest first."""

    # -- bulk reads ------------------------------------------------------------------

    @abc.abstractmethod
    async def load_live_state(self) -> LiveState:
        """Sessions not offline, live tasks and active assignments: three queries, one
        consistent snapshot, whatever their number."""

    @abc.abstractmethod
    async def fetch_readonly(
        self, sql: str, args: Sequence[Any], *, timeout_s: float, max_rows: int
    ) -> QueryResult:
        """Run one read-only statement in this store's dialect (``$1`` placeholders on
        PostgreSQL, ``?`` on SQLite). A write raises ``ReadOnlyViolation``, running past
        ``timeout_s`` raises ``DeadlineExceeded``, a bad statement ``InvalidArgument``."""


def stale(task_id: str, attempt: int) -> errors.StaleAttempt:
    """The fencing error for one item."""
    return errors.StaleAttempt(
        f"task {task_id} attempt {attempt} is not its active attempt; "
        "a newer attempt replaced it or it already finished"
    )


def distinct_tasks(assignments: Sequence[NewAssignment]) -> list[NewAssignment]:
    """The batch as a list; ``AlreadyAssigned`` if one task appears twice in it."""
    seen: set[str] = set()
    for a in assignments:
        if a.task_id in seen:
            raise errors.AlreadyAssigned(f"task {a.task_id} appears twice in one assignment batch")
        seen.add(a.task_id)
    return list(assignments)


def check_page_size(page_size: int) -> int:
    """Validate ``page_size`` (1..MAX_PAGE_SIZE)."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise errors.InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return page_size


def encode_page_token(created_at: datetime, task_id: str) -> str:
    """An opaque token naming the last row of a page."""
    raw = json.dumps([created_at.isoformat(), task_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str) -> tuple[datetime, str]:
    """The (created_at, id) a page token names; ``InvalidArgument`` if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created, task_id = json.loads(raw)
        when = datetime.fromisoformat(created)
        if when.tzinfo is None or not isinstance(task_id, str):
            raise ValueError(token)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise errors.InvalidArgument(
            "page_token is not valid; pass back the next_page_token of the previous page"
        ) from exc
    return when, task_id


def check_readonly_limits(timeout_s: float, max_rows: int) -> None:
    """Validate the limits of ``fetch_readonly``."""
    if timeout_s <= 0:
        raise errors.InvalidArgument("timeout_s must be positive")
    if max_rows < 0:
        raise errors.InvalidArgument("max_rows must be >= 0")
