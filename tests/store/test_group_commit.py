"""Group commit: fewer transactions than writers, nothing acked before COMMIT, and a
failing write fails only its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from architect import errors
from architect.store import (
    AttemptRef,
    Finish,
    GroupCommitOptions,
    NewAssignment,
    NewSession,
    NewTask,
    Store,
    open_store,
)
from architect.store.group_commit import GroupCommitter, OpFailed


async def test_concurrent_writers_share_transactions_and_survive_reopen(
    store: Store, store_url: str
) -> None:
    n = 64
    before = store.stats.snapshot()
    results = await asyncio.gather(
        *(store.insert_tasks([NewTask(type="shell", payload={"i": i})]) for i in range(n))
    )
    committed = store.stats.transactions - before.transactions
    assert 1 <= committed < n
    acked = [r[0][0].id for r in results]
    await store.close()
    reopened = await open_store(store_url)
    try:
        for task_id in acked:
            assert (await reopened.get_task(task_id)).status == "pending"
    finally:
        await reopened.close()


async def test_a_failing_write_fails_only_its_caller(store: Store) -> None:
    [(existing, _)] = await store.insert_tasks([NewTask(type="shell")])
    writes = [store.insert_tasks([NewTask(type="shell")]) for _ in range(20)]
    writes.insert(10, store.insert_tasks([NewTask(type="dup", id=existing.id)]))
    before = store.stats.snapshot()
    results = await asyncio.gather(*writes, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1 and isinstance(results[10], errors.AlreadyExists)
    assert store.stats.transactions - before.transactions < len(writes)
    for r in results:
        if not isinstance(r, BaseException):
            assert (await store.get_task(r[0][0].id)).type == "shell"


async def test_group_commit_off_is_one_transaction_per_write(store_url: str) -> None:
    store = await open_store(store_url, group_commit=GroupCommitOptions(max_batch=1))
    try:
        await store.migrate()
        before = store.stats.snapshot()
        await asyncio.gather(*(store.insert_tasks([NewTask(type="x")]) for _ in range(10)))
        assert store.stats.transactions - before.transactions == 10
    finally:
        await store.close()


async def test_a_failed_transaction_acknowledges_nobody() -> None:
    """The batcher alone, with a runner whose COMMIT fails: every caller gets the error."""
    seen: list[int] = []

    async def run_batch(ops: Sequence[int]) -> list[Any]:
        seen.append(len(ops))
        raise ConnectionResetError("connection lost during COMMIT")

    def translate(exc: BaseException) -> BaseException:
        return errors.Unavailable(f"the database cannot be reached: {exc}")

    batcher: GroupCommitter[int] = GroupCommitter(run_batch, GroupCommitOptions(), translate)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(10)), return_exceptions=True)
    assert all(isinstance(r, errors.Unavailable) for r in results)
    assert sum(seen) == 10 and len(seen) < 10
    await batcher.close()
    with pytest.raises(errors.Unavailable, match="closing"):
        await batcher.submit(1)


async def test_batches_respect_max_batch() -> None:
    sizes: list[int] = []

    async def run_batch(ops: Sequence[int]) -> list[Any]:
        sizes.append(len(ops))
        return [OpFailed(ValueError(op)) if op == 3 else op * 2 for op in ops]

    batcher: GroupCommitter[int] = GroupCommitter(
        run_batch, GroupCommitOptions(max_batch=4, max_wait_ms=0), lambda e: e
    )
    results = await asyncio.gather(*(batcher.submit(i) for i in range(10)), return_exceptions=True)
    await batcher.close()
    assert max(sizes) <= 4 and sum(sizes) == 10
    assert isinstance(results[3], ValueError)
    assert [r for i, r in enumerate(results) if i != 3] == [0, 2, 4, 8, 10, 12, 14, 16, 18]


def test_options_are_validated() -> None:
    with pytest.raises(errors.InvalidArgument):
        GroupCommitOptions(max_batch=0)
    with pytest.raises(errors.InvalidArgument):
        GroupCommitOptions(max_wait_ms=-1)
    with pytest.raises(errors.InvalidArgument):
        GroupCommitOptions(writers=0)


class _Gate:
    """A batch runner that records each batch and holds the first until released."""

    def __init__(self) -> None:
        self.started: list[list[str]] = []
        self.finished: list[list[str]] = []
        self.release = asyncio.Event()

    async def run_batch(self, ops: Sequence[str]) -> list[Any]:
        self.started.append(list(ops))
        if len(self.started) == 1:
            await self.release.wait()
        self.finished.append(list(ops))
        return list(ops)


def _keys(op: str) -> frozenset[str] | None:
    """``"a:1"`` touches key ``a``; ``"*"`` is a barrier."""
    return None if op == "*" else frozenset({op.split(":")[0]})


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_writers_run_independent_batches_concurrently() -> None:
    gate = _Gate()
    options = GroupCommitOptions(writers=2, max_wait_ms=0)
    batcher: GroupCommitter[str] = GroupCommitter(gate.run_batch, options, lambda e: e, _keys)
    first = asyncio.gather(batcher.submit("a:1"), batcher.submit("b:1"))
    await _settle()
    second = asyncio.gather(batcher.submit("c:1"), batcher.submit("d:1"))
    # committed while the first batch is still held (a single writer would wait forever)
    assert await asyncio.wait_for(second, 10) == ["c:1", "d:1"]
    assert gate.finished == [["c:1", "d:1"]]
    gate.release.set()
    assert await first == ["a:1", "b:1"]
    await batcher.close()


async def test_a_dependent_write_waits_for_the_batch_in_flight_and_keeps_its_order() -> None:
    gate = _Gate()
    options = GroupCommitOptions(writers=3, max_wait_ms=0)
    batcher: GroupCommitter[str] = GroupCommitter(gate.run_batch, options, lambda e: e, _keys)
    first = asyncio.ensure_future(batcher.submit("a:1"))
    await _settle()
    # a:2 shares key a with the held batch; c:1 is independent but queued behind a:2
    later = asyncio.gather(batcher.submit("a:2"), batcher.submit("c:1"))
    await _settle()
    assert gate.started == [["a:1"]]
    gate.release.set()
    assert await first == "a:1"
    assert await later == ["a:2", "c:1"]
    assert gate.started[1] == ["a:2", "c:1"]
    await batcher.close()


async def test_a_barrier_runs_alone() -> None:
    gate = _Gate()
    options = GroupCommitOptions(writers=2, max_wait_ms=0)
    batcher: GroupCommitter[str] = GroupCommitter(gate.run_batch, options, lambda e: e, _keys)
    first = asyncio.ensure_future(batcher.submit("a:1"))
    await _settle()
    barrier = asyncio.ensure_future(batcher.submit("*"))
    await _settle()
    assert gate.started == [["a:1"]]
    gate.release.set()
    assert (await first, await barrier) == ("a:1", "*")
    await batcher.close()
    assert gate.started == [["a:1"], ["*"]]


async def test_pipelined_lifecycles_with_several_writers(store_url: str) -> None:
    """Each task's writes are issued one after another, many tasks at once, over three
    concurrent writers: every step sees the one before it."""
    store = await open_store(store_url, group_commit=GroupCommitOptions(writers=3))
    try:
        await store.migrate()
        session = await store.upsert_session(NewSession(name="w", provider="p"))
        lease = store.clock.now() + timedelta(seconds=60)

        async def lifecycle(i: int) -> str:
            [(task, _)] = await store.insert_tasks([NewTask(type="x", payload={"i": i})])
            await store.record_assignments([NewAssignment(task.id, session.id, lease)])
            [started] = await store.start_assignments([AttemptRef(task.id, 1)])
            assert not isinstance(started, Exception)
            done = await store.finish_assignment(Finish(task.id, 1, "completed", "succeeded"))
            return done.status

        assert await asyncio.gather(*(lifecycle(i) for i in range(40))) == ["succeeded"] * 40
    finally:
        await store.close()
