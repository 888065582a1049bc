"""Tasks: insert with idempotency keys, get, keyset pagination, cancel, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from architect import errors
from architect.clock import ManualClock
from architect.store import NewAssignment, NewTask, NewTaskEvent, Store, TaskFilter


async def test_insert_and_get_round_trip(store: Store, clock: ManualClock) -> None:
    new = NewTask(
        type="prompt",
        payload={"text": "héllo", "n": [1, 2]},
        priority=7,
        required_labels=("env:prod", "gpu"),
        preferred_sessions=("w1",),
        max_attempts=5,
        workflow_id="wf1",
        workflow_step="build",
        config_version="cfg-1",
        metadata={"source": "test"},
    )
    [(task, created)] = await store.insert_tasks([new])
    assert created
    got = await store.get_task(new.id)
    assert got == task
    assert got.status == "pending" and got.attempt == 0
    assert got.payload == {"text": "héllo", "n": [1, 2]}
    assert got.required_labels == ("env:prod", "gpu")
    assert got.created_at == clock.now() == got.enqueued_at
    assert got.created_at.tzinfo is not None
    [event] = await store.list_task_events(new.id)
    assert (event.event, event.to_status, event.config_version) == ("submitted", "pending", "cfg-1")


async def test_idempotency_key_returns_the_first_task(store: Store) -> None:
    first = NewTask(type="shell", payload={"cmd": "a"}, idempotency_key="k1")
    [(t1, c1)] = await store.insert_tasks([first])
    again = NewTask(type="shell", payload={"cmd": "b"}, idempotency_key="k1")
    other = NewTask(type="shell", idempotency_key="k2")
    same_batch = NewTask(type="shell", idempotency_key="k2")
    results = await store.insert_tasks([again, other, same_batch])
    assert c1
    assert results[0] == (t1, False)
    assert results[1][1] is True
    assert results[2] == (results[1][0], False)
    assert (await store.get_task(t1.id)).payload == {"cmd": "a"}
    with pytest.raises(errors.NotFound):
        await store.get_task(again.id)
    assert len(await store.list_task_events(results[1][0].id)) == 1


async def test_duplicate_id_is_already_exists_and_writes_nothing(store: Store) -> None:
    t = NewTask(type="shell")
    await store.insert_tasks([t])
    fresh = NewTask(type="shell")
    with pytest.raises(errors.AlreadyExists):
        await store.insert_tasks([fresh, NewTask(type="other", id=t.id)])
    with pytest.raises(errors.NotFound):
        await store.get_task(fresh.id)  # all or nothing


async def test_get_missing_task_is_not_found(store: Store) -> None:
    with pytest.raises(errors.NotFound, match="nope"):
        await store.get_task("nope")


async def test_list_tasks_pages_in_creation_order(store: Store, clock: ManualClock) -> None:
    ids = []
    for i in range(7):
        [(t, _)] = await store.insert_tasks([NewTask(type="a" if i % 2 else "b")])
        ids.append(t.id)
        clock.advance(1)
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await store.list_tasks(page_size=3, page_token=token)
        seen += [t.id for t in page.tasks]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == ids and pages == 3
    only_a = await store.list_tasks(TaskFilter(type="a"))
    assert [t.id for t in only_a.tasks] == ids[1::2]
    assert (await store.list_tasks(TaskFilter(statuses=("running",)))).tasks == ()
    with pytest.raises(errors.InvalidArgument, match="page_token"):
        await store.list_tasks(page_token="garbage!")
    with pytest.raises(errors.InvalidArgument, match="page_size"):
        await store.list_tasks(page_size=0)


async def test_cancel_pending_and_assigned(store: Store, clock: ManualClock) -> None:
    [(pending, _), (assigned, _)] = await store.insert_tasks([NewTask(type="a"), NewTask(type="a")])
    session = await _session(store)
    await store.record_assignments(
        [NewAssignment(assigned.id, session, clock.now() + timedelta(seconds=30))]
    )
    cancelled = await store.cancel_task(pending.id, reason="user asked")
    assert cancelled.status == "cancelled" and cancelled.error == "user asked"
    assert cancelled.finished_at == clock.now()
    c2 = await store.cancel_task(assigned.id, config_version="v9")
    assert c2.status == "cancelled"
    [a] = await store.list_assignments(assigned.id)
    assert a.status == "cancelled"
    events = await store.list_task_events(assigned.id)
    assert [e.event for e in events] == ["submitted", "assigned", "cancelled"]
    assert events[-1].from_status == "assigned" and events[-1].config_version == "v9"
    with pytest.raises(errors.FailedPrecondition, match="already finished"):
        await store.cancel_task(pending.id)
    with pytest.raises(errors.NotFound):
        await store.cancel_task("missing")


async def test_append_task_events(store: Store) -> None:
    [(t, _)] = await store.insert_tasks([NewTask(type="a")])
    await store.append_task_events(
        [
            NewTaskEvent(t.id, "routed", detail={"why": "no session"}, config_version="v2"),
            NewTaskEvent(t.id, "routed", detail={"why": "still none"}),
        ]
    )
    events = await store.list_task_events(t.id)
    assert [e.event for e in events] == ["submitted", "routed", "routed"]
    assert events[1].detail == {"why": "no session"} and events[1].config_version == "v2"


async def _session(store: Store) -> str:
    from architect.store import NewSession

    return (await store.upsert_session(NewSession(name="w1", provider="claude"))).id
