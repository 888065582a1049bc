"""The PostgreSQL store's write kinds: how each write runs for many callers at once.

Every statement in ``postgres_writes`` already takes a batch of rows as
``unnest`` arrays, so merging callers is mostly concatenating their items into
one call and cutting the answers back per caller (``per_item_async``). Two
kinds need more:

- ``record_assignments`` is all or nothing per caller, and a task that is no
  longer pending is an expected refusal (the router acted on stale state). One
  ``SELECT ... FOR UPDATE`` over every caller's tasks finds those callers first
  and refuses them alone; the rows stay locked, so the merged update that
  follows for the others cannot be overtaken by another replica.
- ``record_heartbeats`` answers a count per caller: the update returns the ids
  it changed, counted per caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from architect.store import postgres_writes as w
from architect.store.batching import Kind, concat, per_item_async, split
from architect.store.group_commit import OpFailed
from architect.store.postgres_writes import PgConn
from architect.store.records import NewAssignment, NewTaskEvent
from architect.store.writes import WriteKinds


async def _record_assignments(
    c: PgConn, now: datetime, args: list[list[NewAssignment]]
) -> list[Any]:
    if len(args) == 1:
        return [await w.record_assignments(c, now, args[0])]
    rows = await c.fetch(
        "SELECT id, status FROM tasks WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
        [a.task_id for a in concat(args)],
    )
    status = {r["id"]: r["status"] for r in rows}
    outcomes: list[Any] = [None] * len(args)
    ok: list[int] = []
    for k, items in enumerate(args):
        bad = next((a.task_id for a in items if status.get(a.task_id) != "pending"), None)
        if bad is None:
            ok.append(k)
        else:
            outcomes[k] = OpFailed(w.not_assignable(bad, status.get(bad)))
    if ok:
        mine = [args[k] for k in ok]
        done = split(await w.record_assignments(c, now, concat(mine)), mine)
        for k, records in zip(ok, done, strict=True):
            outcomes[k] = records
    return outcomes


async def _record_heartbeats(
    c: PgConn, now: datetime, args: list[dict[str, datetime]]
) -> list[Any]:
    # Callers in one group share no session, so their beats merge without collisions.
    updated = await w.record_heartbeats(c, {sid: at for beats in args for sid, at in beats.items()})
    return [sum(1 for sid in beats if sid in updated) for beats in args]


async def _append_task_events(
    c: PgConn, now: datetime, args: list[list[NewTaskEvent]]
) -> list[None]:
    await w.append_task_events(c, now, concat(args))
    return [None] * len(args)


async def _extend_leases(c: PgConn, now: datetime, items: list[Any]) -> list[Any]:
    return await w.extend_leases(c, items)


async def _cancel_task(c: PgConn, now: datetime, args: list[Any]) -> list[Any]:
    ((task_id, reason, config_version, to_status),) = args
    return [await w.cancel_task(c, now, task_id, reason, config_version, to_status)]


async def _upsert_session(c: PgConn, now: datetime, args: list[Any]) -> list[Any]:
    ((session, session_id),) = args
    return [await w.upsert_session(c, now, session, session_id)]


async def _set_session_state(c: PgConn, now: datetime, args: list[Any]) -> list[Any]:
    ((session_id, state),) = args
    return [await w.set_session_state(c, now, session_id, state)]


POSTGRES_KINDS: WriteKinds[Any] = WriteKinds(
    insert_tasks=Kind("insert_tasks", per_item_async(w.insert_tasks)),
    record_assignments=Kind("record_assignments", _record_assignments),
    start_assignments=Kind("start_assignments", per_item_async(w.start_assignments)),
    extend_leases=Kind("extend_leases", per_item_async(_extend_leases)),
    finish_assignments=Kind("finish_assignments", per_item_async(w.finish_assignments)),
    append_task_events=Kind("append_task_events", _append_task_events),
    record_heartbeats=Kind("record_heartbeats", _record_heartbeats),
    cancel_task=Kind("cancel_task", _cancel_task, mergeable=False),
    upsert_session=Kind("upsert_session", _upsert_session, mergeable=False),
    set_session_state=Kind("set_session_state", _set_session_state, mergeable=False),
)
