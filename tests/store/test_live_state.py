"""load_live_state: what it returns, and a constant number of statements whatever N (the
seed's N+1 pattern loaded each session's assignments with one query per session)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from architect.clock import ManualClock
from architect.store import NewAssignment, NewSession, NewTask, Store


async def _grow(store: Store, clock: ManualClock, sessions: int, tasks: int, prefix: str) -> None:
    """Add ``sessions`` sessions, each with one active assignment, and ``tasks`` tasks."""
    made = await asyncio.gather(
        *(
            store.upsert_session(NewSession(name=f"{prefix}-{i}", provider="claude"))
            for i in range(sessions)
        )
    )
    new = await store.insert_tasks([NewTask(type="shell", priority=i % 5) for i in range(tasks)])
    lease = clock.now() + timedelta(minutes=5)
    await store.record_assignments(
        [NewAssignment(t.id, s.id, lease) for (t, _), s in zip(new, made, strict=False)]
    )


async def _statements_to_load(store: Store) -> tuple[int, int, int, int]:
    before = store.stats.statements
    state = await store.load_live_state()
    return (
        store.stats.statements - before,
        len(state.sessions),
        len(state.tasks),
        len(state.assignments),
    )


async def test_load_live_state_is_constant_in_statements(store: Store, clock: ManualClock) -> None:
    await _grow(store, clock, sessions=10, tasks=100, prefix="small")
    small = await _statements_to_load(store)
    assert small[1:] == (10, 100, 10)

    await _grow(store, clock, sessions=990, tasks=9_900, prefix="large")
    large = await _statements_to_load(store)
    assert large[1:] == (1_000, 10_000, 1_000)
    assert large[0] == small[0] <= 3


async def test_live_state_leaves_out_finished_and_offline(store: Store, clock: ManualClock) -> None:
    await _grow(store, clock, sessions=3, tasks=5, prefix="w")
    offline = await store.upsert_session(NewSession(name="gone", provider="x", state="offline"))
    [(done, _)] = await store.insert_tasks([NewTask(type="a")])
    await store.cancel_task(done.id)
    state = await store.load_live_state()
    assert offline.id not in {s.id for s in state.sessions}
    assert done.id not in {t.id for t in state.tasks}
    assert {t.status for t in state.tasks} == {"pending", "assigned"}
    assert all(a.status == "active" for a in state.assignments)
