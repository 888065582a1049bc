"""Assignments: one active per task (in the database too), attempt fencing, requeue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from architect import errors
from architect.clock import ManualClock
from architect.store import (
    AttemptRef,
    Finish,
    LeaseExtension,
    NewAssignment,
    NewSession,
    NewTask,
    Store,
)
from tests.store.conftest import placeholders, raw_execute


async def _setup(store: Store, n: int = 2) -> tuple[str, list[str]]:
    session = await store.upsert_session(NewSession(name="w1", provider="claude"))
    tasks = await store.insert_tasks([NewTask(type="shell") for _ in range(n)])
    return session.id, [t.id for t, _ in tasks]


async def test_assign_start_extend_complete(store: Store, clock: ManualClock) -> None:
    sid, [t1, t2] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    recs = await store.record_assignments(
        [NewAssignment(t1, sid, lease, config_version="v1", detail={"rule": "shell"}),
         NewAssignment(t2, sid, lease)]
    )  # fmt: skip
    assert [(r.task_id, r.attempt, r.status) for r in recs] == [
        (t1, 1, "active"),
        (t2, 1, "active"),
    ]
    task = await store.get_task(t1)
    assert (task.status, task.attempt, task.session_id) == ("assigned", 1, sid)
    clock.advance(1)
    [started] = await store.start_assignments([AttemptRef(t1, 1)])
    assert not isinstance(started, Exception)
    assert started.status == "running" and started.started_at == clock.now()
    new_lease = clock.now() + timedelta(seconds=60)
    [ext] = await store.extend_leases([LeaseExtension(t1, 1, new_lease)])
    assert not isinstance(ext, Exception) and ext.lease_expires_at == new_lease
    done = await store.finish_assignment(
        Finish(t1, 1, "completed", "succeeded", result={"out": "ok"}, config_version="v1")
    )
    assert done.status == "succeeded" and done.result == {"out": "ok"}
    assert done.finished_at == clock.now()
    events = await store.list_task_events(t1)
    assert [(e.event, e.from_status, e.to_status) for e in events] == [
        ("submitted", None, "pending"),
        ("assigned", "pending", "assigned"),
        ("started", "assigned", "running"),
        ("succeeded", "running", "succeeded"),
    ]
    assert events[1].detail == {"rule": "shell"} and events[1].config_version == "v1"
    [a] = await store.list_assignments(t1)
    assert a.status == "completed" and a.finished_at == clock.now()


async def test_requeue_then_second_attempt_fences_the_first(
    store: Store, clock: ManualClock
) -> None:
    sid, [t1, _] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t1, sid, lease)])
    clock.advance(40)
    requeued = await store.finish_assignment(Finish(t1, 1, "expired", "pending", error="lease"))
    assert requeued.status == "pending" and requeued.enqueued_at == clock.now()
    assert requeued.finished_at is None
    [second] = await store.record_assignments([NewAssignment(t1, sid, lease)])
    assert second.attempt == 2
    # the first worker comes back late: every call with attempt 1 is fenced, changes nothing
    [s] = await store.start_assignments([AttemptRef(t1, 1)])
    [e] = await store.extend_leases([LeaseExtension(t1, 1, lease)])
    [f] = await store.finish_assignments([Finish(t1, 1, "completed", "succeeded")])
    for outcome in (s, e, f):
        assert isinstance(outcome, errors.StaleAttempt)
    with pytest.raises(errors.StaleAttempt):
        await store.finish_assignment(Finish(t1, 1, "completed", "succeeded"))
    task = await store.get_task(t1)
    assert (task.status, task.attempt) == ("assigned", 2)
    assert [a.status for a in await store.list_assignments(t1)] == ["expired", "active"]


async def test_finish_batch_applies_valid_items_and_fences_the_rest(
    store: Store, clock: ManualClock
) -> None:
    sid, [t1, t2] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t1, sid, lease), NewAssignment(t2, sid, lease)])
    out = await store.finish_assignments(
        [
            Finish(t1, 1, "completed", "succeeded"),
            Finish(t2, 7, "completed", "succeeded"),  # wrong attempt
            Finish(t1, 1, "failed", "failed"),  # a repeat within the batch
            Finish(t2, 1, "failed", "failed", error="boom"),
        ]
    )
    assert [type(o).__name__ for o in out] == [
        "TaskRecord",
        "StaleAttempt",
        "StaleAttempt",
        "TaskRecord",
    ]
    assert (await store.get_task(t1)).status == "succeeded"
    t2_rec = await store.get_task(t2)
    assert (t2_rec.status, t2_rec.error) == ("failed", "boom")


async def test_assigning_a_task_that_is_not_pending_changes_nothing(
    store: Store, clock: ManualClock
) -> None:
    sid, [t1, t2] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t1, sid, lease)])
    with pytest.raises(errors.FailedPrecondition, match="not pending"):
        await store.record_assignments(
            [NewAssignment(t2, sid, lease), NewAssignment(t1, sid, lease)]
        )
    assert (await store.get_task(t2)).status == "pending"  # all or nothing
    with pytest.raises(errors.FailedPrecondition, match="does not exist"):
        await store.record_assignments([NewAssignment("missing", sid, lease)])
    with pytest.raises(errors.AlreadyAssigned):
        await store.record_assignments(
            [NewAssignment(t2, sid, lease), NewAssignment(t2, sid, lease)]
        )


async def test_partial_unique_index_refuses_a_second_active_assignment(
    store: Store, store_url: str, clock: ManualClock
) -> None:
    """A racing replica sets the task back to pending without ending the active attempt:
    the in-memory checks would let a second assignment through, the database does not."""
    sid, [t1, _] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t1, sid, lease)])
    p = placeholders(store, 1)
    await raw_execute(store_url, f"UPDATE tasks SET status = 'pending' WHERE id = {p[0]}", t1)
    with pytest.raises(errors.AlreadyAssigned):
        await store.record_assignments([NewAssignment(t1, sid, lease)])
    assert [a.attempt for a in await store.list_assignments(t1)] == [1]


async def test_records_returned_by_writes_equal_what_a_read_returns(
    store: Store, clock: ManualClock
) -> None:
    # The writes build the records they return instead of reading them back; they must
    # match the stored rows exactly, for a completion, a requeue and a final failure.
    sid, [t1, t2] = await _setup(store)
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t1, sid, lease), NewAssignment(t2, sid, lease)])
    clock.advance(1)
    started = await store.start_assignments([AttemptRef(t1, 1), AttemptRef(t2, 1)])
    assert started == [await store.get_task(t1), await store.get_task(t2)]
    clock.advance(1)
    outcomes = await store.finish_assignments(
        [
            Finish(t1, 1, "completed", "succeeded", result={"n": 1, "s": "x"}),
            Finish(t2, 1, "failed", "pending", error="boom"),
        ]
    )
    assert outcomes == [await store.get_task(t1), await store.get_task(t2)]
    await store.record_assignments([NewAssignment(t2, sid, lease)])
    [final] = await store.finish_assignments([Finish(t2, 2, "failed", "failed", error="again")])
    assert final == await store.get_task(t2)
