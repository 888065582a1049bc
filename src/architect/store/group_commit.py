"""Group commit: many concurrent writes, one durable transaction.

Callers ``submit`` a write operation and await its result. A writer task
takes the operations queued so far (up to ``max_batch``) and hands them to the
backend's ``run_batch``, which runs them in ONE transaction (operations of one
kind merged, see ``architect.store.batching``) and commits. Then, and only
then, each caller's future resolves:

- an operation that failed fails only its own caller (the backend rolled its
  part back, to a savepoint; the others still commit);
- if the transaction itself fails (COMMIT, a lost connection), every caller of
  the batch gets that error and nothing of the batch is acknowledged.

The batcher knows nothing about SQL: an operation is whatever the backend's
``run_batch`` accepts (a sync function run in SQLite's writer thread, a
coroutine function on an asyncpg connection).

Several writers (``writers`` > 1, PostgreSQL: one pooled connection each) run
batches concurrently, so one batch executes while another waits for its
COMMIT to reach the disk. Batches in flight together must commute: a writer
takes an operation only if its keys (``keys_of``) are disjoint from those of
every other batch in flight, and stops at the first one that is not, so that
operations sharing a key still run in queue order. An operation without keys
(``None``) runs only while no other batch is in flight.

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
    #: Batches in flight at once, each on its own connection (PostgreSQL; SQLite has one).
    writers: int = 1

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise errors.InvalidArgument(f"max_batch must be at least 1, got {self.max_batch}")
        if self.writers < 1:
            raise errors.InvalidArgument(f"writers must be at least 1, got {self.writers}")
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


class _Claim:
    """What one writer's batch (being filled or in flight) touches."""

    __slots__ = ("everything", "keys")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.everything = False


class GroupCommitter(Generic[OpT]):
    """The batcher: ``options.writers`` writer tasks over a queue of (operation, future)."""

    def __init__(
        self,
        run_batch: BatchRunner[OpT],
        options: GroupCommitOptions,
        translate: Callable[[BaseException], BaseException],
        keys_of: Callable[[OpT], frozenset[str] | None] | None = None,
    ) -> None:
        self._run_batch = run_batch
        self._options = options
        self._translate = translate
        self._keys_of = keys_of
        self._queue: collections.deque[tuple[OpT, asyncio.Future[Any]]] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._claims: dict[int, _Claim] = {}
        loop = asyncio.get_running_loop()
        self._writers = [
            loop.create_task(self._writer_loop(w), name=f"architect-group-commit-{w}")
            for w in range(options.writers)
        ]

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
        await asyncio.gather(*self._writers)

    def _admits(self, me: int, keys: frozenset[str] | None) -> bool:
        """May writer ``me`` take an operation with ``keys``, given the other batches?"""
        for writer, claim in self._claims.items():
            if writer == me:
                continue
            if keys is None or claim.everything or not claim.keys.isdisjoint(keys):
                return False
        return True

    def _take(self, me: int, batch: list[tuple[OpT, asyncio.Future[Any]]]) -> None:
        while self._queue and len(batch) < self._options.max_batch:
            op, fut = self._queue[0]
            if fut.cancelled():  # a caller cancelled before its batch started: never run it
                self._queue.popleft()
                continue
            if len(self._writers) > 1:
                keys = self._keys_of(op) if self._keys_of is not None else None
                if not self._admits(me, keys):
                    return  # it waits for the batch it depends on; so does all behind it
                claim = self._claims.setdefault(me, _Claim())
                if keys is None:
                    claim.everything = True
                else:
                    claim.keys |= keys
            batch.append(self._queue.popleft())

    async def _writer_loop(self, me: int) -> None:
        loop = asyncio.get_running_loop()
        max_wait = self._options.max_wait_ms / 1000.0
        while True:
            batch: list[tuple[OpT, asyncio.Future[Any]]] = []
            self._take(me, batch)
            if not batch:
                if self._closing and not self._queue:
                    return
                # Nothing queued, or the head waits for another writer's batch: both end
                # with a set() (a submit, or a batch finishing).
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            deadline = loop.time() + max_wait
            while len(batch) < self._options.max_batch and loop.time() < deadline:
                before = len(batch)
                await asyncio.sleep(0)
                self._take(me, batch)
                if len(batch) == before:
                    break
            try:
                await self._execute(batch)
            except Exception as exc:  # a bug in a runner: fail the batch, keep serving
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
            finally:
                if self._claims.pop(me, None) is not None:
                    self._wakeup.set()  # a writer may be waiting for these keys

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
