"""Merged writes: concurrent callers of one kind share a statement, yet each keeps its own
semantics (all or nothing, fencing, idempotency keys) and nothing is acknowledged early.

Each test runs on SQLite and PostgreSQL. The concurrent callers of ``asyncio.gather`` are
queued in argument order before the writer runs, so they share the first batch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from architect import errors
from architect.clock import ManualClock
from architect.store import (
    AttemptRef,
    Finish,
    LeaseExtension,
    NewAssignment,
    NewSession,
    NewTask,
    NewTaskEvent,
    Store,
    TaskRecord,
    open_store,
)


async def _assigned(store: Store, clock: ManualClock, n: int) -> tuple[str, list[str]]:
    session = await store.upsert_session(NewSession(name="w1", provider="claude"))
    tasks = [t.id for t, _ in await store.insert_tasks([NewTask(type="x") for _ in range(n)])]
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(t, session.id, lease) for t in tasks])
    return session.id, tasks


async def test_concurrent_inserts_share_statements_and_survive_reopen(
    store: Store, store_url: str
) -> None:
    n = 64
    before = store.stats.snapshot()
    results = await asyncio.gather(
        *(store.insert_tasks([NewTask(type="x", payload={"i": i}) for _ in range(2)])
          for i in range(n))
    )  # fmt: skip
    statements = store.stats.statements - before.statements
    batches = store.stats.batches - before.batches
    # Unmerged, every caller costs at least one statement (two on SQLite: tasks, events);
    # merged, a batch costs one (PostgreSQL) or two (SQLite) whatever its callers.
    assert statements < n
    assert statements <= 2 * batches
    assert store.stats.transactions - before.transactions < n
    assert all(len(r) == 2 and r[0][1] and r[1][1] for r in results)
    acked = {task.id: i for i, r in enumerate(results) for task, _ in r}
    assert len(acked) == 2 * n
    await store.close()
    reopened = await open_store(store_url)
    try:
        for task_id, i in acked.items():
            task = await reopened.get_task(task_id)
            assert task.payload == {"i": i} and task.status == "pending"
            assert [e.event for e in await reopened.list_task_events(task_id)] == ["submitted"]
    finally:
        await reopened.close()


async def test_idempotency_key_repeated_across_callers_of_one_batch(store: Store) -> None:
    first = NewTask(type="x", payload={"who": "first"}, idempotency_key="k")
    second = NewTask(type="x", payload={"who": "second"}, idempotency_key="k")
    others = [store.insert_tasks([NewTask(type="x")]) for _ in range(10)]
    results = await asyncio.gather(
        *others[:5], store.insert_tasks([first]), *others[5:], store.insert_tasks([second])
    )
    [(t1, created1)] = results[5]
    [(t2, created2)] = results[-1]
    assert created1 and not created2
    assert t2 == t1 and t1.id == first.id and t1.payload == {"who": "first"}
    assert (await store.get_task(first.id)).payload == {"who": "first"}
    try:
        await store.get_task(second.id)
        raise AssertionError("the second caller's task must not be stored")
    except errors.NotFound:
        pass
    assert len(await store.list_task_events(first.id)) == 1
    assert all(r[0][1] for r in results[:5] + results[6:-1])


async def test_duplicate_id_fails_alone_among_merged_inserts(store: Store, store_url: str) -> None:
    [(existing, _)] = await store.insert_tasks([NewTask(type="old")])
    writes = [store.insert_tasks([NewTask(type="x"), NewTask(type="x")]) for _ in range(20)]
    # all or nothing: the failing caller's other, fresh task is not stored either
    fresh = NewTask(type="x")
    writes.insert(7, store.insert_tasks([fresh, NewTask(type="dup", id=existing.id)]))
    results = await asyncio.gather(*writes, return_exceptions=True)
    assert isinstance(results[7], errors.AlreadyExists)
    ok = [r for i, r in enumerate(results) if i != 7]
    assert not any(isinstance(r, BaseException) for r in ok)
    await store.close()
    reopened = await open_store(store_url)
    try:
        with_ids = [task.id for r in ok if not isinstance(r, BaseException) for task, _ in r]
        assert len(with_ids) == 40
        for task_id in with_ids:
            assert (await reopened.get_task(task_id)).type == "x"
        assert (await reopened.get_task(existing.id)).type == "old"
        try:
            await reopened.get_task(fresh.id)
            raise AssertionError("the failing caller's items must all be rolled back")
        except errors.NotFound:
            pass
    finally:
        await reopened.close()


async def test_a_caller_with_a_task_not_pending_fails_alone_among_merged_assignments(
    store: Store, store_url: str, clock: ManualClock
) -> None:
    session = await store.upsert_session(NewSession(name="w1", provider="claude"))
    ids = [t.id for t, _ in await store.insert_tasks([NewTask(type="x") for _ in range(21)])]
    lease = clock.now() + timedelta(seconds=30)
    await store.record_assignments([NewAssignment(ids[0], session.id, lease)])
    before = store.stats.snapshot()
    calls = [store.record_assignments([NewAssignment(t, session.id, lease)]) for t in ids[1:11]]
    # ids[11] is pending, ids[0] is not: this caller fails as a whole, alone
    calls.insert(4, store.record_assignments(
        [NewAssignment(ids[11], session.id, lease), NewAssignment(ids[0], session.id, lease)]
    ))  # fmt: skip
    calls += [store.record_assignments([NewAssignment(t, session.id, lease)]) for t in ids[12:]]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[4], errors.FailedPrecondition)
    assert "not pending" in str(results[4])
    ok = [r for i, r in enumerate(results) if i != 4]
    assert all(not isinstance(r, BaseException) and r[0].attempt == 1 for r in ok)
    # refused by a pre-check, not by replaying everyone one at a time
    assert store.stats.statements - before.statements < len(calls)
    await store.close()
    reopened = await open_store(store_url)
    try:
        assert (await reopened.get_task(ids[11])).status == "pending"
        for t in ids[1:11] + ids[12:]:
            assert (await reopened.get_task(t)).status == "assigned"
        assert [a.attempt for a in await reopened.list_assignments(ids[0])] == [1]
    finally:
        await reopened.close()


async def test_one_task_assigned_by_two_callers_of_one_batch(
    store: Store, clock: ManualClock
) -> None:
    session = await store.upsert_session(NewSession(name="w1", provider="claude"))
    [(task, _)] = await store.insert_tasks([NewTask(type="x")])
    lease = clock.now() + timedelta(seconds=30)
    first, second = await asyncio.gather(
        store.record_assignments([NewAssignment(task.id, session.id, lease)]),
        store.record_assignments([NewAssignment(task.id, session.id, lease)]),
        return_exceptions=True,
    )
    assert not isinstance(first, BaseException) and first[0].attempt == 1
    assert isinstance(second, errors.FailedPrecondition)
    assert len(await store.list_assignments(task.id)) == 1


async def test_fencing_inside_merged_finishes(store: Store, clock: ManualClock) -> None:
    _, ids = await _assigned(store, clock, 7)
    before = store.stats.snapshot()
    await store.finish_assignments([Finish(ids[6], 1, "completed", "succeeded")])
    alone = store.stats.statements - before.statements
    before = store.stats.snapshot()
    results = await asyncio.gather(
        store.finish_assignments([Finish(ids[0], 1, "completed", "succeeded", result={"n": 0})]),
        store.finish_assignments(
            [Finish(ids[1], 1, "completed", "succeeded"), Finish(ids[2], 9, "failed", "failed")]
        ),
        store.finish_assignments([Finish(ids[3], 1, "failed", "pending", error="retry")]),
        # the same attempt finished by a second caller: the first wins, the second is fenced
        store.finish_assignments([Finish(ids[0], 1, "failed", "failed")]),
        store.finish_assignments([Finish(ids[4], 1, "completed", "succeeded")]),
        store.finish_assignments([Finish(ids[5], 2, "completed", "succeeded")]),
    )
    kinds = [[type(o).__name__ for o in r] for r in results]
    assert kinds == [
        ["TaskRecord"],
        ["TaskRecord", "StaleAttempt"],
        ["TaskRecord"],
        ["StaleAttempt"],
        ["TaskRecord"],
        ["StaleAttempt"],
    ]
    # two groups (the repeated attempt runs after the first), each costing what one call does
    assert store.stats.statements - before.statements <= 2 * alone
    statuses = [(await store.get_task(t)).status for t in ids[:6]]
    assert statuses == ["succeeded", "succeeded", "assigned", "pending", "succeeded", "assigned"]
    assert (await store.get_task(ids[0])).result == {"n": 0}
    finished = results[0][0]
    assert isinstance(finished, TaskRecord) and finished.result == {"n": 0}


async def test_merged_starts_extensions_heartbeats_and_events(
    store: Store, clock: ManualClock
) -> None:
    sid, ids = await _assigned(store, clock, 4)
    other = await store.upsert_session(NewSession(name="w2", provider="claude"))
    clock.advance(1)
    lease = clock.now() + timedelta(seconds=60)
    results = await asyncio.gather(
        store.start_assignments([AttemptRef(ids[0], 1), AttemptRef(ids[1], 1)]),
        store.start_assignments([AttemptRef(ids[2], 5)]),
        # a repeat by another caller runs after the first, as if alone: not fenced
        store.start_assignments([AttemptRef(ids[0], 1)]),
        store.extend_leases([LeaseExtension(ids[3], 1, lease)]),
        store.extend_leases([LeaseExtension(ids[2], 3, lease)]),
        store.record_heartbeats([(sid, clock.now())]),
        store.record_heartbeats([(other.id, clock.now()), ("no-such-session", clock.now())]),
        store.append_task_events([NewTaskEvent(ids[0], "routed", detail={"rule": "a"})]),
        store.append_task_events([NewTaskEvent(ids[1], "routed", detail={"rule": "b"})]),
    )
    started, stale_start, again, extended, stale_ext, beats1, beats2, _, _ = results
    assert [getattr(t, "status", None) for t in started] == ["running", "running"]
    assert isinstance(stale_start[0], errors.StaleAttempt)
    assert isinstance(again[0], TaskRecord) and again[0].status == "running"
    assert not isinstance(extended[0], Exception) and extended[0].lease_expires_at == lease
    assert isinstance(stale_ext[0], errors.StaleAttempt)
    assert (beats1, beats2) == (1, 1)
    assert (await store.get_session(other.id)).last_heartbeat == clock.now()
    routed = [e.detail for e in await store.list_task_events(ids[1]) if e.event == "routed"]
    assert routed == [{"rule": "b"}]
