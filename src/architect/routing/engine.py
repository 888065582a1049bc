"""The routing engine: tasks meet sessions, durably.

The engine owns the in-memory routing state (a ``MatcherState`` plus the live
sessions and assignments of ``architect.routing.live``) and keeps it in step with
the store, which is the durable record it is rebuilt from at start.

Rules it keeps:

* **Acknowledged means durable.** Every change is committed by the store (group
  commit) before the caller hears OK; memory changes only after the commit.
* **One active assignment per task.** The store's partial unique index enforces
  it; in memory a task is either pending in the matcher or in ``_live``, never both.
* **Fencing.** Worker calls carry the attempt number; the store refuses a stale
  one (``StaleAttempt``) and nothing changes.
* **A pass runs when work or capacity appears**: submits, completions, failures,
  expiries, new or returning sessions and rule changes set ``_wake``. The only
  timer is the end of a hold-for-preferred period, which the pass reports.
* **One pass at a time**, persisted as one batch (``record_assignments``) before
  the assignments are applied in memory and pushed to the sessions' streams.

Leases and session heartbeats are renewed in memory and flushed to the store in
batches every ``flush_interval``, so a fleet beating every few seconds costs one
statement per interval, not one per beat. After a restart every live lease gets
at least one full lease duration, so workers have time to reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from architect import errors
from architect.clock import Clock
from architect.routing import convert, matcher
from architect.routing.engine_sessions import SessionsMixin
from architect.routing.live import LiveAssignment, LiveSession
from architect.routing.policy import RoutingPolicy
from architect.routing.state import MatcherState, TaskInput
from architect.store import Store
from architect.store.records import (
    AssignmentRecord,
    AttemptRef,
    Finish,
    LeaseExtension,
    NewAssignment,
    NewTask,
    TaskRecord,
)

log = logging.getLogger(__name__)


def to_ms(when: datetime) -> int:
    """Milliseconds since the epoch: the matcher's time unit."""
    return int(when.timestamp() * 1000)


class RoutingEngine(SessionsMixin):
    """Sessions, tasks, leases and the matcher loop, over one store."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        policy: RoutingPolicy,
        *,
        sweep_interval: float = 1.0,
        flush_interval: float = 2.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.sweep_interval = sweep_interval
        self.flush_interval = flush_interval
        self.state = MatcherState(policy.rules)
        self.sessions: dict[str, LiveSession] = {}
        self.live: dict[str, LiveAssignment] = {}
        self.pending: dict[str, TaskRecord] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._hold_timer: asyncio.TimerHandle | None = None
        self._stopping = False
        #: Counters for metrics and tests.
        self.passes = 0
        self.assigned_total = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Rebuild memory from the store (a constant number of queries), start the loops."""
        snapshot = await self.store.load_live_state()
        now = self.clock.now()
        grace = now + self.policy.timing.lease_duration
        tasks = {t.id: t for t in snapshot.tasks}
        for rec in snapshot.sessions:
            self.sessions[rec.id] = LiveSession(record=rec, state=rec.state, last_beat=now)
        for a in snapshot.assignments:
            task = tasks.get(a.task_id)
            session = self.sessions.get(a.session_id)
            if task is None or session is None:
                continue
            la = LiveAssignment(
                task=task,
                session_id=a.session_id,
                attempt=a.attempt,
                assigned_at=a.assigned_at,
                lease_expires_at=max(a.lease_expires_at, grace),
            )
            self.live[task.id] = la
            session.tasks[task.id] = la
        for session in self.sessions.values():
            self._sync_session(session)
        for task in snapshot.tasks:
            if task.status == "pending":
                self._enqueue(task)
        log.info(
            "routing state rebuilt: %d sessions, %d pending tasks, %d live assignments",
            len(self.sessions),
            len(self.pending),
            len(self.live),
        )
        self._tasks = [
            asyncio.create_task(self._matcher_loop(), name="architect-matcher"),
            asyncio.create_task(self._timer_loop(), name="architect-sweeper"),
        ]
        self._wake.set()

    def close_streams(self) -> None:
        """End every session stream with UNAVAILABLE (the server is going away)."""
        for session in self.sessions.values():
            if session.connection is not None:
                session.connection.close("the server is shutting down", code="unavailable")

    async def stop(self) -> None:
        """Stop the loops, end every stream, flush heartbeats and leases."""
        self._stopping = True
        self._wake.set()
        if self._hold_timer is not None:
            self._hold_timer.cancel()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.close_streams()
        try:
            await self.flush()
        except errors.ArchitectError as exc:
            log.warning("could not flush heartbeats at shutdown: %s", exc)

    def set_policy(self, policy: RoutingPolicy) -> None:
        """Swap in a new config version's policy; pending work is re-judged at once."""
        if policy.version == self.policy.version:
            return
        old, self.policy = self.policy, policy
        self.state.set_rules(policy.rules)
        if policy.providers != old.providers:  # provider-implied labels may have changed
            for session in self.sessions.values():
                self._sync_session(session, relabel=True)
        log.info("routing policy %s active", policy.version)
        self._wake.set()

    # ------------------------------------------------------------------ tasks

    async def submit(self, tasks: Sequence[NewTask]) -> list[tuple[TaskRecord, bool]]:
        """Store new tasks (answered only once durable) and queue the created ones."""
        results = await self.store.insert_tasks(tasks)
        for record, created in results:
            if created and record.status == "pending" and record.id not in self.pending:
                self._enqueue(record)
        self._wake.set()
        return results

    async def cancel(self, task_id: str, reason: str) -> TaskRecord:
        """Cancel a task; a worker holding it is told on its stream."""
        record = await self.store.cancel_task(
            task_id, reason=reason, config_version=self.policy.version
        )
        if task_id in self.pending:
            del self.pending[task_id]
            self.state.remove_task(task_id)
        la = self.live.get(task_id)
        if la is not None:
            self._release(la, cancel_reason=f"cancelled: {reason}" if reason else "cancelled")
        return record

    def _enqueue(self, task: TaskRecord, failed_session_id: str | None = None) -> None:
        self.pending[task.id] = task
        self.state.add_task(
            task.id,
            TaskInput(
                task_type=task.type,
                enqueued_ms=to_ms(task.enqueued_at),
                priority=task.priority,
                required_labels=task.required_labels,
                preferred_sessions=task.preferred_sessions,
                failed_session_id=failed_session_id,
            ),
        )

    # ------------------------------------------------------------------ worker calls

    def _held(self, session_id: str, task_id: str, attempt: int) -> LiveAssignment:
        """The live assignment a worker call names, or ``StaleAttempt``."""
        la = self.live.get(task_id)
        if la is None or la.attempt != attempt or la.session_id != session_id:
            raise errors.StaleAttempt(
                f"task {task_id} attempt {attempt} is not held by session {session_id}: "
                "a newer attempt replaced it, it finished, or it was cancelled; stop this work"
            )
        return la

    async def start_task(self, session_id: str, task_id: str, attempt: int) -> LiveAssignment:
        """The worker began the attempt: task -> RUNNING, lease renewed."""
        la = self._held(session_id, task_id, attempt)
        if la.task.status != "running":
            (outcome,) = await self.store.start_assignments([AttemptRef(task_id, attempt)])
            if isinstance(outcome, Exception):
                raise outcome
            la.task = outcome
        self._renew(la)
        return la

    def heartbeat_task(self, session_id: str, task_id: str, attempt: int) -> LiveAssignment:
        """Renew the attempt's lease (in memory; flushed in batches)."""
        la = self._held(session_id, task_id, attempt)
        self._renew(la)
        self.beat(session_id)
        return la

    def _renew(self, la: LiveAssignment) -> None:
        la.lease_expires_at = self.clock.now() + self.policy.for_type(la.task.type).lease
        la.lease_dirty = True

    async def complete(
        self, session_id: str, task_id: str, attempt: int, result: Any
    ) -> TaskRecord:
        """The attempt succeeded. A repeat by the same attempt returns the task unchanged."""
        if task_id not in self.live:
            return await self._repeat_or_stale(session_id, task_id, attempt, "succeeded")
        la = self._held(session_id, task_id, attempt)
        record = await self.store.finish_assignment(
            Finish(
                task_id,
                attempt,
                "completed",
                "succeeded",
                result=result,
                config_version=self.policy.version,
            )
        )
        self._release(la)
        return record

    async def fail(
        self, session_id: str, task_id: str, attempt: int, error: str, retryable: bool
    ) -> TaskRecord:
        """The attempt failed: requeue while attempts remain and it is retryable, else FAILED."""
        if task_id not in self.live:
            return await self._repeat_or_stale(session_id, task_id, attempt, "failed")
        la = self._held(session_id, task_id, attempt)
        retry = retryable and attempt < la.task.max_attempts
        record = await self.store.finish_assignment(
            Finish(
                task_id,
                attempt,
                "failed",
                "pending" if retry else "failed",
                error=error,
                config_version=self.policy.version,
                detail={"retryable": retryable, "attempts_left": la.task.max_attempts - attempt},
            )
        )
        self._release(la)
        if retry:
            self._enqueue(record, failed_session_id=session_id)
        return record

    async def _repeat_or_stale(
        self, session_id: str, task_id: str, attempt: int, status: str
    ) -> TaskRecord:
        record = await self.store.get_task(task_id)
        same_attempt = record.attempt == attempt and record.session_id == session_id
        # A repeated failure may find its task requeued (pending) by the first one.
        if same_attempt and (
            record.status == status or (status, record.status) == ("failed", "pending")
        ):
            return record
        raise errors.StaleAttempt(
            f"task {task_id} attempt {attempt} is not held by session {session_id}: "
            f"the task is {record.status} at attempt {record.attempt}; stop this work"
        )

    def _release(self, la: LiveAssignment, cancel_reason: str | None = None) -> None:
        """Forget a live assignment after its end was committed; free the capacity."""
        if self.live.get(la.task_id) is not la:
            return
        del self.live[la.task_id]
        session = self.sessions.get(la.session_id)
        if session is not None:
            session.tasks.pop(la.task_id, None)
            if cancel_reason and session.connection is not None:
                session.connection.send(convert.cancel_message(la, cancel_reason))
            self._sync_session(session)
        self._wake.set()

    # ------------------------------------------------------------------ the matcher loop

    async def _matcher_loop(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.run_pass()
            except errors.Unavailable as exc:
                log.warning("matcher pass could not reach the store, retrying: %s", exc)
                await asyncio.sleep(0.5)
                self._wake.set()
            except Exception:
                log.exception("matcher pass failed; retrying")
                await asyncio.sleep(0.5)
                self._wake.set()

    async def run_pass(self) -> list[AssignmentRecord]:
        """One matcher pass: decide, persist as one batch, apply, deliver."""
        now = self.clock.now()
        now_ms = to_ms(now)
        policy = self.policy
        decisions = matcher.match(self.state, now_ms)
        self.passes += 1
        self._schedule_hold(decisions.wake_at_ms, now_ms)
        if not decisions.task_ids and not decisions.failed:
            return []
        batch = [
            NewAssignment(
                task_id=t,
                session_id=s,
                lease_expires_at=now + policy.for_type(self.pending[t].type).lease,
                config_version=policy.version,
                detail={"rule": self._rule_name(t), "session": self.sessions[s].record.name},
            )
            for t, s in zip(decisions.task_ids, decisions.session_ids, strict=True)
        ]
        try:
            records = await self.store.record_assignments(batch) if batch else []
            if decisions.failed:
                await self._fail_unroutable(decisions.failed)
        except errors.FailedPrecondition:
            # A task in the batch changed under the pass (cancelled meanwhile): the batch
            # wrote nothing. Drop what is no longer pending and decide again.
            await self._resync(decisions.task_ids)
            self._wake.set()
            return []
        self.state.apply(decisions, now_ms)
        for rec in records:
            self._deliver(rec, now_ms)
        self.assigned_total += len(records)
        return records

    def _rule_name(self, task_id: str) -> str:
        rule = self.state.rule_of(self.state.task_slot[task_id])
        return rule.name if rule else ""

    def _deliver(self, rec: AssignmentRecord, now_ms: int) -> None:
        task = self.pending.pop(rec.task_id, None)
        if task is None:
            # Cancelled while the pass was committing: the store cancelled this assignment
            # along with the task, so there is nothing to hold or deliver.
            return
        task = convert.assigned(task, rec)
        la = LiveAssignment(
            task=task,
            session_id=rec.session_id,
            attempt=rec.attempt,
            assigned_at=rec.assigned_at,
            lease_expires_at=rec.lease_expires_at,
        )
        self.live[rec.task_id] = la
        session = self.sessions.get(rec.session_id)
        if session is None:
            # The session went offline while the pass was committing: let the next sweep
            # expire this attempt and requeue the task, as for any session that vanished.
            la.lease_expires_at = rec.assigned_at
            return
        session.tasks[rec.task_id] = la
        session.last_assigned_ms = now_ms
        if session.connection is not None:
            session.connection.send(convert.assigned_message(la))

    async def _fail_unroutable(self, task_ids: Sequence[str]) -> None:
        for task_id in task_ids:
            record = await self.store.fail_pending_task(
                task_id,
                error="no route: no rule for its type, or its rule's fallback is 'fail' and "
                "no preferred session was free when the hold ended",
                config_version=self.policy.version,
            )
            self.pending.pop(task_id, None)
            log.info("task %s (%s) failed: no route", task_id, record.type)

    async def _time_out_unscheduled(self, now: datetime) -> None:
        """Pending tasks past their type's schedule-to-start limit time out."""
        late = []
        for task in self.pending.values():
            limit = self.policy.for_type(task.type).schedule_to_start
            if limit is not None and now - task.enqueued_at > limit:
                late.append(task)
        for task in late:
            try:
                await self.store.fail_pending_task(
                    task.id,
                    error=f"not started within its schedule-to-start limit "
                    f"({self.policy.for_type(task.type).schedule_to_start})",
                    config_version=self.policy.version,
                    status="timed_out",
                )
            except errors.FailedPrecondition:
                continue  # assigned or cancelled meanwhile
            if self.pending.pop(task.id, None) is not None:
                self.state.remove_task(task.id)
            log.info("task %s (%s) timed out waiting to be scheduled", task.id, task.type)

    async def _resync(self, task_ids: Sequence[str]) -> None:
        for task_id in task_ids:
            try:
                record = await self.store.get_task(task_id)
            except errors.NotFound:
                record = None
            if record is None or record.status != "pending":
                self.pending.pop(task_id, None)
                self.state.remove_task(task_id)

    def _schedule_hold(self, wake_at_ms: int | None, now_ms: int) -> None:
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        if wake_at_ms is not None:
            delay = max(0.0, (wake_at_ms - now_ms) / 1000)
            self._hold_timer = asyncio.get_running_loop().call_later(delay, self._wake.set)

    # ------------------------------------------------------------------ timers

    async def _timer_loop(self) -> None:
        last_flush = asyncio.get_running_loop().time()
        while not self._stopping:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep()
                if asyncio.get_running_loop().time() - last_flush >= self.flush_interval:
                    await self.flush()
                    last_flush = asyncio.get_running_loop().time()
            except Exception:
                log.exception("lease sweep failed; retrying at the next interval")

    async def sweep(self) -> int:
        """Expire lapsed leases and silent sessions; requeue or time out their tasks.

        Returns the number of attempts expired. Called every ``sweep_interval``; tests call
        it directly after moving an injected clock.
        """
        now = self.clock.now()
        await self._expire_silent_sessions(now)
        await self._time_out_unscheduled(now)
        lapsed = [la for la in self.live.values() if la.lease_expires_at <= now]
        lapsed += [la for la in self.live.values() if la not in lapsed and self._overran(la, now)]
        if not lapsed:
            return 0
        finishes = []
        for la in lapsed:
            retry = la.attempt < la.task.max_attempts
            finishes.append(
                Finish(
                    la.task_id,
                    la.attempt,
                    "expired",
                    "pending" if retry else "timed_out",
                    error=f"attempt {la.attempt} on session {la.session_id} lost its lease",
                    config_version=self.policy.version,
                )
            )
        outcomes = await self.store.finish_assignments(finishes)
        expired = 0
        for la, outcome in zip(lapsed, outcomes, strict=True):
            if isinstance(outcome, Exception):
                continue  # finished meanwhile by its worker: the worker won
            expired += 1
            self._release(la, cancel_reason="lease expired")
            if outcome.status == "pending":
                self._enqueue(outcome, failed_session_id=la.session_id)
            log.info(
                "task %s attempt %d on session %s lost its lease: %s",
                la.task_id,
                la.attempt,
                la.session_id,
                outcome.status,
            )
        return expired

    def _overran(self, la: LiveAssignment, now: datetime) -> bool:
        limit = self.policy.for_type(la.task.type).start_to_close
        started = la.task.started_at
        return limit is not None and started is not None and now - started > limit

    async def flush(self) -> None:
        """Persist heartbeats and lease renewals made since the last flush, in batches."""
        # Clear the dirty marks before awaiting, so a beat arriving meanwhile is kept for
        # the next flush; put them back if the write fails.
        beating = [s for s in self.sessions.values() if s.beat_dirty]
        renewed = [la for la in self.live.values() if la.lease_dirty]
        for s in beating:
            s.beat_dirty = False
        for la in renewed:
            la.lease_dirty = False
        try:
            if beating:
                await self.store.record_heartbeats([(s.id, s.last_beat) for s in beating])
            if renewed:
                await self.store.extend_leases(
                    [LeaseExtension(la.task_id, la.attempt, la.lease_expires_at) for la in renewed]
                )
        except errors.ArchitectError:
            for s in beating:
                s.beat_dirty = True
            for la in renewed:
                la.lease_dirty = True
            raise

    # ------------------------------------------------------------------ helpers

    def lease_remaining(self, la: LiveAssignment) -> timedelta:
        return la.lease_expires_at - self.clock.now()
