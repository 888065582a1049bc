"""Group commit: many concurrent writes, one durable transaction.

Callers ``submit`` a write operation and await its result. One writer task
takes the operations queued so far (up to ``max_batch``) and hands them to the
backend's ``run_batch``, which runs them in ONE transaction, each inside its own
savepoint, and commits. Then, and only then, each caller's future resolves:

- an operation that raised fails only its own caller (its savepoint was rolled
  back; the others still commit);
- if the transaction itself fails (COMMIT, a lost connection), every caller of
  the batch gets that error and nothing of the batch is acknowledged.

The batcher knows nothing about SQL: an operation is whatever the backend's
``run_batch`` accepts (a sync function run in SQLite's writer thread, a
coroutine function on an asyncpg connection).

Waiting: a fixed linger (wait N ms for company) would add N ms to every lone
write. Instead the writer lingers only while writes keep arriving: after
draining the queue it yields to the event loop once and drains again, and
stops as soon as a pass brings nothing new, the batch is full, or
``max_wait_ms`` has passed. Writes that arrive while a batch commits simply
queue for the next one, which is where most of the batching comes from.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from architect import errors

log = logging.getLogger(__name__)

OpT = TypeVar("OpT")


@dataclass(frozen=True, slots=True)
class GroupCommitOptions:
    """Bounds of one group-commit batch."""

    #: Most operations in one transaction; 1 turns group commit off (one transaction each).
    max_batch: int = 256
    #: Longest time the writer waits for more operations before it commits what it has.
    max_wait_ms: float = 2.0

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise errors.InvalidArgument(f"max_batch must be at least 1, got {self.max_batch}")
        if self.max_wait_ms < 0:
            raise errors.InvalidArgument(f"max_wait_ms must be >= 0, got {self.max_wait_ms}")


class OpFailed:
    """Marks an operation of a batch that raised; its savepoint was rolled back."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


#: ``run_batch(ops)`` runs ``ops`` in one transaction and returns, aligned with ``ops``,
#: each result or an ``OpFailed``; it raises when the transaction as a whole failed.
BatchRunner = Callable[[Sequence[OpT]], Awaitable[list[Any]]]


class GroupCommitter(Generic[OpT]):
    """The batcher: one writer task over a queue of (operation, future) pairs."""

    def __init__(
        self,
        run_batch: BatchRunner[OpT],
        options: GroupCommitOptions,
        translate: Callable[[BaseException], BaseException],
    ) -> None:
        self._run_batch = run_batch
        self._options = options
        self._translate = translate
        self._queue: collections.deque[tuple[OpT, asyncio.Future[Any]]] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._writer = asyncio.get_running_loop().create_task(
            self._writer_loop(), name="architect-group-commit"
        )

    async def submit(self, op: OpT) -> Any:
        """Queue ``op``; return its result once the transaction holding it has committed."""
        if self._closing:
            raise errors.Unavailable("the store is closing; no new writes are accepted")
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((op, fut))
        self._wakeup.set()
        return await fut

    async def close(self) -> None:
        """Refuse new writes, finish the queued ones, stop the writer."""
        self._closing = True
        self._wakeup.set()
        await self._writer

    def _take(self, batch: list[tuple[OpT, asyncio.Future[Any]]]) -> None:
        while self._queue and len(batch) < self._options.max_batch:
            item = self._queue.popleft()
            # A caller cancelled before its batch started: never run its write.
            if not item[1].cancelled():
                batch.append(item)

    async def _writer_loop(self) -> None:
        loop = asyncio.get_running_loop()
        max_wait = self._options.max_wait_ms / 1000.0
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch: list[tuple[OpT, asyncio.Future[Any]]] = []
            self._take(batch)
            deadline = loop.time() + max_wait
            while len(batch) < self._options.max_batch and loop.time() < deadline:
                before = len(batch)
                await asyncio.sleep(0)
                self._take(batch)
                if len(batch) == before:
                    break
            if batch:
                try:
                    await self._execute(batch)
                except Exception as exc:  # a bug in a runner: fail the batch, keep serving
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)

    async def _execute(self, batch: list[tuple[OpT, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await self._run_batch([op for op, _ in batch])
        except BaseException as exc:
            # The transaction failed as a whole: nobody in it is acknowledged.
            try:
                error = self._translate(exc)
            except Exception as bug:  # never let a translation bug kill the writer
                error = bug
            log.warning("group commit of %d writes failed: %s", len(batch), error)
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(error)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (_, fut), outcome in zip(batch, outcomes, strict=True):
            if fut.done():
                continue
            if isinstance(outcome, OpFailed):
                fut.set_exception(outcome.error)
            else:
                fut.set_result(outcome)


__all__ = ["BatchRunner", "GroupCommitOptions", "GroupCommitter", "OpFailed"]
