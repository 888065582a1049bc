"""Group commit: fewer transactions than writers, nothing acked before COMMIT, and a
failing write fails only its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from architect import errors
from architect.store import GroupCommitOptions, NewTask, Store, open_store
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
