"""Merging the operations of one group-commit batch: same kind, one statement.

Group commit puts many callers' writes in one transaction, but on PostgreSQL a
transaction of N separate operations still costs N sets of round trips. So an
operation names its ``Kind``, and operations of one kind in a batch are handed
to the kind's ``run`` together: ``run(conn, now, args)`` receives every
caller's argument (e.g. each caller's list of tasks) and answers one outcome
per caller, usually from one statement per table for all of them.

Contract of ``Kind.run``:

- it returns one outcome per argument, in order: the caller's result, or an
  ``OpFailed`` for a caller it refused *without writing anything for it* (a
  pre-check found a non-pending task, say);
- it may raise: then nothing of the group is kept and the backend runs the
  group again one operation at a time, each in its own savepoint, so that the
  failing caller fails alone (the batch's other groups are unaffected);
- called with one argument, it is exactly the unmerged operation.

Which operations may share a statement, and the order groups run in, come from
``plan_groups``. Each operation declares the keys it reads or writes (``task:ID``,
``session:ID``, ...). Operations of one batch come from concurrent callers, none
of them answered yet, so any serial order of them is a correct outcome; ``plan_groups``
keeps the one the queue gave (FIFO) except that an operation may move earlier
to join a group of its kind when it shares no key with anything it moves past
or joins. The result equals running the batch one operation at a time, in queue
order: independent operations commute, and dependent ones (an insert and the
assignment of the same task, two finishes of one task, two inserts with one
idempotency key) keep their order in separate groups. An operation with
``keys=None`` is a barrier: nothing moves past it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

RunT = TypeVar("RunT")
ConnT = TypeVar("ConnT")


@dataclass(frozen=True, slots=True, eq=False)
class Kind(Generic[RunT]):
    """What an operation does, and how several of it run together (see module docstring)."""

    #: For logs and metrics, e.g. ``"insert_tasks"``.
    name: str
    #: ``run(conn, now, args) -> outcomes``: sync on SQLite's writer thread, async on asyncpg.
    run: RunT
    #: False for operations that always run alone (``run`` then gets one argument).
    mergeable: bool = True


@dataclass(frozen=True, slots=True)
class Op(Generic[RunT]):
    """One caller's write: its kind, its argument for ``Kind.run``, the keys it touches."""

    kind: Kind[RunT]
    arg: Any
    keys: frozenset[str] | None


@dataclass(slots=True)
class Group(Generic[RunT]):
    """Operations of one kind that run together, by their index in the batch."""

    kind: Kind[RunT]
    members: list[int]
    #: Keys of the ops in this group and in every later group: what a joiner must avoid.
    tail_keys: set[str] = field(default_factory=set)
    #: A barrier was placed after this group: nothing may join it any more.
    closed: bool = False


def plan_groups(ops: Sequence[Op[RunT]]) -> list[Group[RunT]]:
    """Groups of ``ops`` in the order to run them (see the module docstring)."""
    groups: list[Group[RunT]] = []
    latest: dict[int, int] = {}  # id(kind) -> index of its last group
    for i, op in enumerate(ops):
        j = latest.get(id(op.kind)) if op.kind.mergeable else None
        if (
            j is not None
            and op.keys is not None
            and not groups[j].closed
            and op.keys.isdisjoint(groups[j].tail_keys)
        ):
            groups[j].members.append(i)
        else:
            j = len(groups)
            groups.append(Group(op.kind, [i]))
            latest[id(op.kind)] = j
        if op.keys is None:
            for g in groups[: j + 1]:
                g.closed = True
        else:
            for g in groups[: j + 1]:
                g.tail_keys |= op.keys
    return groups


def task_keys(task_ids: Iterable[str]) -> frozenset[str]:
    """The keys of an operation on these tasks."""
    return frozenset("task:" + t for t in task_ids)


def session_keys(session_ids: Iterable[str]) -> frozenset[str]:
    """The keys of an operation on these sessions."""
    return frozenset("session:" + s for s in session_ids)


def split(flat: Sequence[Any], args: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """``flat`` (one result per item of all ``args`` concatenated) cut back per argument."""
    out: list[list[Any]] = []
    at = 0
    for a in args:
        out.append(list(flat[at : at + len(a)]))
        at += len(a)
    assert at == len(flat), "a merged statement answered a different number of items"
    return out


def concat(args: Sequence[Sequence[Any]]) -> list[Any]:
    """Every argument's items, in order."""
    return [item for a in args for item in a]


SyncItemsFn = Callable[[ConnT, datetime, list[Any]], list[Any]]
AsyncItemsFn = Callable[[ConnT, datetime, list[Any]], Awaitable[list[Any]]]


def per_item(fn: SyncItemsFn[ConnT]) -> Callable[[ConnT, datetime, list[Any]], list[Any]]:
    """A ``Kind.run`` from a function over items answering one result per item: all callers'
    items go through one call (callers in a group share no key, so items of different
    callers never interact) and the results are cut back per caller."""

    def run(conn: ConnT, now: datetime, args: list[Any]) -> list[Any]:
        return split(fn(conn, now, concat(args)), args)

    return run


def per_item_async(
    fn: AsyncItemsFn[ConnT],
) -> Callable[[ConnT, datetime, list[Any]], Awaitable[list[Any]]]:
    """``per_item`` for an async function."""

    async def run(conn: ConnT, now: datetime, args: list[Any]) -> list[Any]:
        return split(await fn(conn, now, concat(args)), args)

    return run


__all__ = [
    "Group",
    "Kind",
    "Op",
    "concat",
    "per_item",
    "per_item_async",
    "plan_groups",
    "session_keys",
    "split",
    "task_keys",
]
