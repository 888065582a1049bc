"""The write methods of ``Store``, once for both backends: each call becomes an ``Op``.

A write method validates and normalises its argument, names the keys it
touches, and submits an ``Op`` of its backend's ``Kind`` to group commit; it
returns once the transaction holding it has committed. What the kinds run
(SQL, merged across callers) is the backend's: ``postgres_kinds``,
``sqlite_kinds``. See ``architect.store.batching`` for how a batch is grouped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal

from architect import errors
from architect.store.base import Store, distinct_tasks
from architect.store.batching import Kind, Op, RunT, session_keys, task_keys
from architect.store.group_commit import GroupCommitter
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
    SessionState,
    TaskRecord,
    new_id,
)


@dataclass(frozen=True, slots=True)
class WriteKinds(Generic[RunT]):
    """A backend's kind for every write method; what each ``Kind.run`` receives per caller:

    - ``insert_tasks``: ``list[NewTask]`` -> ``list[tuple[TaskRecord, bool]]``
    - ``record_assignments``: ``list[NewAssignment]`` (distinct tasks) -> ``list[AssignmentRecord]``
    - ``start_assignments``: ``list[AttemptRef]`` -> ``list[TaskRecord | StaleAttempt]``
    - ``extend_leases``: ``list[LeaseExtension]`` -> ``list[AssignmentRecord | StaleAttempt]``
    - ``finish_assignments``: ``list[Finish]`` -> ``list[TaskRecord | StaleAttempt]``
    - ``append_task_events``: ``list[NewTaskEvent]`` -> ``None``
    - ``record_heartbeats``: ``dict[session id, datetime]`` (latest beat each) -> ``int``
    - ``cancel_task``: ``(task_id, reason, config_version, to_status)`` -> ``TaskRecord``
      (``to_status`` is ``cancelled``, or ``failed``/``timed_out`` for ``fail_pending_task``)
    - ``upsert_session``: ``(NewSession, new id)`` -> ``SessionRecord``
    - ``set_session_state``: ``(session_id, state)`` -> ``SessionRecord``
    """

    insert_tasks: Kind[RunT]
    record_assignments: Kind[RunT]
    start_assignments: Kind[RunT]
    extend_leases: Kind[RunT]
    finish_assignments: Kind[RunT]
    append_task_events: Kind[RunT]
    record_heartbeats: Kind[RunT]
    cancel_task: Kind[RunT]
    upsert_session: Kind[RunT]
    set_session_state: Kind[RunT]


class GroupCommitWrites(Store):
    """Write methods over group commit; the backend sets ``_kinds`` and ``_committer``."""

    _kinds: WriteKinds[Any]
    _committer: GroupCommitter[Op[Any]] | None = None

    async def _write(self, kind: Kind[Any], arg: Any, keys: frozenset[str] | None) -> Any:
        if self._committer is None:
            raise errors.Unavailable("the store is closed")
        return await self._committer.submit(Op(kind, arg, keys))

    async def insert_tasks(self, tasks: Sequence[NewTask]) -> list[tuple[TaskRecord, bool]]:
        """See ``Store.insert_tasks``."""
        items = list(tasks)
        if not items:
            return []
        # An idempotency key is a key too: a second caller with the same key must run after
        # the first (in a later group) to find its task and answer created=False.
        keys = task_keys(t.id for t in items) | {
            "idempotency:" + t.idempotency_key for t in items if t.idempotency_key is not None
        }
        result: list[tuple[TaskRecord, bool]] = await self._write(
            self._kinds.insert_tasks, items, keys
        )
        return result

    async def cancel_task(
        self, task_id: str, *, reason: str = "", config_version: str | None = None
    ) -> TaskRecord:
        """See ``Store.cancel_task``."""
        result: TaskRecord = await self._write(
            self._kinds.cancel_task,
            (task_id, reason, config_version, "cancelled"),
            task_keys([task_id]),
        )
        return result

    async def fail_pending_task(
        self,
        task_id: str,
        *,
        error: str,
        config_version: str | None = None,
        status: Literal["failed", "timed_out"] = "failed",
    ) -> TaskRecord:
        """See ``Store.fail_pending_task``."""
        result: TaskRecord = await self._write(
            self._kinds.cancel_task, (task_id, error, config_version, status), task_keys([task_id])
        )
        return result

    async def upsert_session(self, session: NewSession) -> SessionRecord:
        """See ``Store.upsert_session``."""
        # Keyed by name, it may rewrite any session id: a barrier (rare: registrations).
        result: SessionRecord = await self._write(
            self._kinds.upsert_session, (session, new_id()), None
        )
        return result

    async def set_session_state(self, session_id: str, state: SessionState) -> SessionRecord:
        """See ``Store.set_session_state``."""
        result: SessionRecord = await self._write(
            self._kinds.set_session_state, (session_id, state), session_keys([session_id])
        )
        return result

    async def record_heartbeats(self, beats: Sequence[tuple[str, datetime]]) -> int:
        """See ``Store.record_heartbeats``."""
        latest: dict[str, datetime] = {}
        for sid, at in beats:
            if sid not in latest or at > latest[sid]:
                latest[sid] = at
        if not latest:
            return 0
        result: int = await self._write(self._kinds.record_heartbeats, latest, session_keys(latest))
        return result

    async def record_assignments(
        self, assignments: Sequence[NewAssignment]
    ) -> list[AssignmentRecord]:
        """See ``Store.record_assignments``."""
        items = distinct_tasks(assignments)
        if not items:
            return []
        result: list[AssignmentRecord] = await self._write(
            self._kinds.record_assignments, items, task_keys(a.task_id for a in items)
        )
        return result

    async def start_assignments(
        self, refs: Sequence[AttemptRef]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """See ``Store.start_assignments``."""
        items = list(refs)
        if not items:
            return []
        result: list[TaskRecord | errors.StaleAttempt] = await self._write(
            self._kinds.start_assignments, items, task_keys(r.task_id for r in items)
        )
        return result

    async def extend_leases(
        self, extensions: Sequence[LeaseExtension]
    ) -> list[AssignmentRecord | errors.StaleAttempt]:
        """See ``Store.extend_leases``."""
        items = list(extensions)
        if not items:
            return []
        result: list[AssignmentRecord | errors.StaleAttempt] = await self._write(
            self._kinds.extend_leases, items, task_keys(e.task_id for e in items)
        )
        return result

    async def finish_assignments(
        self, finishes: Sequence[Finish]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """See ``Store.finish_assignments``."""
        items = list(finishes)
        if not items:
            return []
        result: list[TaskRecord | errors.StaleAttempt] = await self._write(
            self._kinds.finish_assignments, items, task_keys(f.task_id for f in items)
        )
        return result

    async def append_task_events(self, events: Sequence[NewTaskEvent]) -> None:
        """See ``Store.append_task_events``."""
        items = list(events)
        if items:
            await self._write(
                self._kinds.append_task_events, items, task_keys(e.task_id for e in items)
            )
