"""Sessions: register, re-register by name, state, heartbeats in one statement."""

from __future__ import annotations

import pytest

from architect import errors
from architect.clock import ManualClock
from architect.store import NewSession, Store


async def test_register_and_reregister_keeps_the_id(store: Store, clock: ManualClock) -> None:
    first = await store.upsert_session(
        NewSession(name="w1", provider="claude", labels=("a", "b"), capacity=2, metadata={"k": 1})
    )
    assert first.state == "idle" and first.labels == ("a", "b") and first.capacity == 2
    assert first.registered_at == clock.now() == first.last_heartbeat
    clock.advance(10)
    again = await store.upsert_session(NewSession(name="w1", provider="codex", labels=("c",)))
    assert again.id == first.id
    assert (again.provider, again.labels, again.capacity) == ("codex", ("c",), 1)
    assert again.registered_at == first.registered_at and again.updated_at == clock.now()
    assert await store.get_session(first.id) == again


async def test_state_and_listing(store: Store) -> None:
    a = await store.upsert_session(NewSession(name="b-worker", provider="claude"))
    b = await store.upsert_session(NewSession(name="a-worker", provider="gemini"))
    await store.set_session_state(a.id, "offline")
    assert [s.name for s in await store.list_sessions()] == ["a-worker", "b-worker"]
    assert [s.id for s in await store.list_sessions(["offline"])] == [a.id]
    assert [s.id for s in await store.list_sessions(["idle", "busy"])] == [b.id]
    with pytest.raises(errors.NotFound):
        await store.set_session_state("missing", "idle")
    with pytest.raises(errors.NotFound):
        await store.get_session("missing")


async def test_heartbeats_in_one_statement_never_go_backwards(
    store: Store, clock: ManualClock
) -> None:
    sessions = [
        await store.upsert_session(NewSession(name=f"w{i}", provider="claude")) for i in range(50)
    ]
    t0 = clock.now()
    later = clock.advance(5)
    before = store.stats.snapshot()
    beats = [(s.id, later) for s in sessions] + [("missing", later), (sessions[0].id, t0)]
    updated = await store.record_heartbeats(beats)
    assert updated == 50
    assert store.stats.statements - before.statements == 1
    assert (await store.get_session(sessions[0].id)).last_heartbeat == later
    assert await store.record_heartbeats([(sessions[1].id, t0)]) == 0  # older: ignored
    assert (await store.get_session(sessions[1].id)).last_heartbeat == later
