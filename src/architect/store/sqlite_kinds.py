"""The SQLite store's write kinds: how each write runs for many callers at once.

The functions in ``sqlite_writes`` already take a batch of rows (one
``executemany`` per table), so merging callers is mostly concatenating their
items into one call and cutting the answers back per caller (``per_item``).
``record_assignments`` checks every caller's tasks with one query first and
refuses, alone, a caller with a task that is not pending (all or nothing per
caller); ``record_heartbeats`` counts the updated sessions per caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from architect.store import sqlite_writes as w
from architect.store.batching import Kind, concat, per_item, split
from architect.store.group_commit import OpFailed
from architect.store.records import NewAssignment, NewTaskEvent
from architect.store.sqlite_writes import SqliteConn
from architect.store.writes import WriteKinds


def _record_assignments(c: SqliteConn, now: datetime, args: list[list[NewAssignment]]) -> list[Any]:
    states = w.task_states(c, (a.task_id for a in concat(args)))
    outcomes: list[Any] = [None] * len(args)
    ok: list[int] = []
    for k, items in enumerate(args):
        refusal = w.not_assignable(states, items)
        if refusal is None:
            ok.append(k)
        elif len(args) == 1:
            raise refusal  # alone: the plain operation, which raises
        else:
            outcomes[k] = OpFailed(refusal)
    if ok:
        mine = [args[k] for k in ok]
        done = split(w.record_assignments(c, now, concat(mine), states), mine)
        for k, records in zip(ok, done, strict=True):
            outcomes[k] = records
    return outcomes


def _record_heartbeats(c: SqliteConn, now: datetime, args: list[dict[str, datetime]]) -> list[Any]:
    # Callers in one group share no session, so their beats merge without collisions.
    updated = w.record_heartbeats(c, {sid: at for beats in args for sid, at in beats.items()})
    return [sum(1 for sid in beats if sid in updated) for beats in args]


def _append_task_events(c: SqliteConn, now: datetime, args: list[list[NewTaskEvent]]) -> list[None]:
    w.append_task_events(c, now, concat(args))
    return [None] * len(args)


def _extend_leases(c: SqliteConn, now: datetime, items: list[Any]) -> list[Any]:
    return w.extend_leases(c, items)


def _cancel_task(c: SqliteConn, now: datetime, args: list[Any]) -> list[Any]:
    ((task_id, reason, config_version, to_status),) = args
    return [w.cancel_task(c, now, task_id, reason, config_version, to_status)]


def _upsert_session(c: SqliteConn, now: datetime, args: list[Any]) -> list[Any]:
    ((session, session_id),) = args
    return [w.upsert_session(c, now, session, session_id)]


def _set_session_state(c: SqliteConn, now: datetime, args: list[Any]) -> list[Any]:
    ((session_id, state),) = args
    return [w.set_session_state(c, now, session_id, state)]


SQLITE_KINDS: WriteKinds[Any] = WriteKinds(
    insert_tasks=Kind("insert_tasks", per_item(w.insert_tasks)),
    record_assignments=Kind("record_assignments", _record_assignments),
    start_assignments=Kind("start_assignments", per_item(w.start_assignments)),
    extend_leases=Kind("extend_leases", per_item(_extend_leases)),
    finish_assignments=Kind("finish_assignments", per_item(w.finish_assignments)),
    append_task_events=Kind("append_task_events", _append_task_events),
    record_heartbeats=Kind("record_heartbeats", _record_heartbeats),
    cancel_task=Kind("cancel_task", _cancel_task, mergeable=False),
    upsert_session=Kind("upsert_session", _upsert_session, mergeable=False),
    set_session_state=Kind("set_session_state", _set_session_state, mergeable=False),
)
