"""The naive baseline: sort everything, scan every session, with Python sets, on every pass.

It implements the same contract as the matchers (so its assignments can be
checked against theirs) the way a first version would: no compiled tables, no
incremental order, no session classes.
"""

from __future__ import annotations

import bisect

from architect.routing.state import TaskInput
from architect.routing.tables import Fallback, RuleSpec


def naive_pass(
    specs: list[RuleSpec],
    sessions: list[dict[str, object]],
    tasks: list[tuple[str, TaskInput]],
    now_ms: int,
) -> list[tuple[str, str]]:
    """Assignments of one pass, as (task_id, session_id) in pass order."""
    rules = {s.task_type: s for s in specs}

    def effective(task: TaskInput) -> float:
        rule = rules[task.task_type]
        prio = rule.default_priority if task.priority is None else task.priority
        aging = rule.aging_points_per_s * (now_ms - task.enqueued_ms) / 1000
        if rule.aging_cap_points is not None:
            aging = min(aging, rule.aging_cap_points)
        return prio + aging

    order = sorted(tasks, key=lambda t: (-effective(t[1]), t[1].enqueued_ms, t[0]))
    free = {}
    queue = []
    for s in sessions:
        spare = int(s["capacity"]) - int(s["active"])  # type: ignore[call-overload]
        if s["accepting"] and spare > 0:
            free[s["session_id"]] = spare
            queue.append(
                (s["last_assigned_ms"], s["session_id"], {**s, "labels": set(s["labels"])})
            )  # type: ignore[call-overload]
    queue.sort(key=lambda e: (e[0], e[1]))
    out: list[tuple[str, str]] = []
    for task_id, task in order:
        rule = rules[task.task_type]
        need = set(rule.required_labels) | set(task.required_labels)
        preferred = set(task.preferred_sessions or rule.preferred_sessions)
        first = first_pref = None
        for entry in queue:
            s = entry[2]
            if not need <= s["labels"]:  # type: ignore[operator]
                continue
            if rule.allowed_providers is not None and s["provider"] not in rule.allowed_providers:
                continue
            if s["name"] in rule.excluded_sessions:
                continue
            if rule.retry_elsewhere and s["session_id"] == task.failed_session_id:
                continue
            first = first or entry
            if not preferred or s["name"] in preferred:
                first_pref = entry
                break
        winner = first_pref
        held = now_ms < task.enqueued_ms + rule.hold_for_preferred_s * 1000
        if winner is None and preferred and not held and rule.fallback is Fallback.ANY_ELIGIBLE:
            winner = first
        if winner is None:
            continue
        sid = winner[1]
        out.append((task_id, sid))
        queue.remove(winner)
        free[sid] -= 1
        if free[sid]:
            bisect.insort(queue, (now_ms, sid, winner[2]), key=lambda e: (e[0], e[1]))
    return out
