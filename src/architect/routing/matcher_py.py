"""The plain-Python reference matcher: the routing contract, written to be read.

``native/_matcher.pyx`` is the fast twin; property tests prove both return
identical :class:`~architect.routing.decisions.Decisions`. This one sorts the
queue and walks the sessions on every pass; it favours obviousness over speed.
"""

from __future__ import annotations

import bisect

from architect.routing.decisions import Decisions, Outcome
from architect.routing.eligibility import TaskView, decide, is_preferred, reasons, view_of
from architect.routing.state import MatcherState


def match(state: MatcherState, now_ms: int) -> Decisions:
    """One pass over every pending task at ``now_ms``; the state is not changed.

    Tasks are taken by effective priority (highest first), then enqueue time,
    then id. Each takes the first eligible session in tie-break order (least
    recently assigned, then id), a preferred one when it has preferences. A
    session that receives a task counts as assigned at ``now_ms`` for the rest
    of the pass.
    """
    out = Decisions()
    views: list[tuple[int, int, str, TaskView | None]] = []
    for slot in state.live_tasks():
        view = view_of(state, slot)
        eff = 0 if view is None else view.effective_priority(now_ms)
        views.append((-eff, state.t_enq[slot], state.t_id[slot], view))
    views.sort(key=lambda v: v[:3])

    free = {s: state.free_capacity(s) for s in state.live_sessions()}
    # Sessions with free capacity in tie-break order: (last assigned, id, slot).
    queue = sorted((state.s_lra[s], state.s_id[s], s) for s, f in free.items() if f > 0)
    for _neg, _enq, task_id, view in views:
        if view is None:
            out.failed.append(task_id)
            continue
        best_pref, best_any = _first_eligible(state, view, queue, free)
        outcome, winner = decide(view, now_ms, best_pref, best_any)
        if outcome is Outcome.WOULD_ASSIGN:
            assert winner is not None
            out.task_ids.append(task_id)
            out.session_ids.append(state.s_id[winner])
            entry = next(e for e in queue if e[2] == winner)
            queue.remove(entry)
            free[winner] -= 1
            if free[winner] > 0:
                bisect.insort(queue, (now_ms, state.s_id[winner], winner))
        elif outcome is Outcome.FAILED_NO_ROUTE:
            out.failed.append(task_id)
        elif outcome is Outcome.HELD_FOR_PREFERRED:
            until = view.hold_until()
            out.wake_at_ms = until if out.wake_at_ms is None else min(out.wake_at_ms, until)
    return out


def _first_eligible(
    state: MatcherState,
    view: TaskView,
    queue: list[tuple[int, str, int]],
    free: dict[int, int],
) -> tuple[int | None, int | None]:
    """The first eligible preferred session and the first eligible session in ``queue``."""
    wants_preferred = bool(view.preferred_names)
    best_pref: int | None = None
    best_any: int | None = None
    for _lra, _sid, slot in queue:
        if reasons(state, view, slot, free[slot]):
            continue
        if best_any is None:
            best_any = slot
        if not wants_preferred:
            break
        if is_preferred(state, view, slot):
            best_pref = slot
            break
    return best_pref, best_any
