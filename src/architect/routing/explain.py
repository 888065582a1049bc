"""Explanations: what the matcher would do with one task now, and why.

An explanation evaluates the task alone against the fleet as it is (no other
pending task takes capacity first), so it agrees with a pass that contains
only that task. Nothing is assigned or changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from architect.routing.decisions import Outcome, Reason
from architect.routing.eligibility import TaskView, decide, is_preferred, reasons
from architect.routing.state import MatcherState, TaskInput
from architect.routing.tables import POINT, Fallback


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one session was judged for the task."""

    session_id: str
    session_name: str
    eligible: bool
    preferred: bool
    reasons: tuple[Reason, ...]
    #: Specifics for a person, e.g. the missing labels.
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """The decision for one task and a verdict per session (eligible first, tie-break order)."""

    task_id: str
    task_type: str
    #: Rule name; empty when no rule matches the type.
    rule: str
    config_version: str
    decision: Outcome
    #: Winner for WOULD_ASSIGN; empty otherwise.
    session_id: str
    session_name: str
    #: Effective priority in points (base plus aging).
    effective_priority: float
    verdicts: tuple[Verdict, ...]
    #: End of the hold for HELD_FOR_PREFERRED (ms); None otherwise.
    hold_until_ms: int | None
    evaluated_at_ms: int
    summary: str


def explain_pending(state: MatcherState, task_id: str, now_ms: int) -> Explanation:
    """Explain a task pending in ``state``; raises KeyError if it is not there."""
    slot = state.task_slot[task_id]
    task = TaskInput(
        task_type=state.t_type[slot],
        enqueued_ms=state.t_enq[slot],
        priority=state.t_priority_given[slot],
        required_labels=tuple(state.decode_labels(state.t_own_labels[slot])),
        preferred_sessions=tuple(sorted(state.t_pref[slot] or ())),
        failed_session_id=state.t_failed[slot],
        task_id=task_id,
    )
    return explain(state, task, now_ms)


def explain(state: MatcherState, task: TaskInput, now_ms: int) -> Explanation:
    """Explain what a pass at ``now_ms`` would do with ``task`` if it were alone in the queue."""
    rules = state.rules
    rule = rules.rule_for(task.task_type)
    base = dict(
        task_id=task.task_id,
        task_type=task.task_type,
        config_version=rules.version,
        evaluated_at_ms=now_ms,
    )
    if rule is None:
        return Explanation(
            **base,  # type: ignore[arg-type]
            rule="",
            decision=Outcome.FAILED_NO_ROUTE,
            session_id="",
            session_name="",
            effective_priority=float(task.priority or 0),
            verdicts=(),
            hold_until_ms=None,
            summary=f"no routing rule matches task type {task.task_type!r}",
        )
    own = 0
    unknown: list[str] = []
    for label in task.required_labels:
        bit = state.label_bits.get(label)
        if bit is None:
            unknown.append(label)  # no session has ever offered it
        else:
            own |= 1 << bit
    view = TaskView(
        task_id=task.task_id,
        rule=rule,
        priority=rule.default_priority if task.priority is None else task.priority,
        enqueued_ms=task.enqueued_ms,
        required=own | state.rule_req[rule.index],
        preferred=frozenset(task.preferred_sessions) or None,
        failed_session_id=task.failed_session_id,
    )
    judged: list[tuple[int, int, str, list[Reason], bool]] = []
    for slot in state.live_sessions():
        why = reasons(state, view, slot, state.free_capacity(slot))
        if unknown and Reason.MISSING_LABELS not in why:
            why.append(Reason.MISSING_LABELS)
            why.sort()
        judged.append(
            (state.s_lra[slot], slot, state.s_id[slot], why, is_preferred(state, view, slot))
        )
    judged.sort(key=lambda j: (j[0], j[2]))
    eligible = [j for j in judged if not j[3]]
    best_pref = next((j[1] for j in eligible if j[4]), None)
    best_any = eligible[0][1] if eligible else None
    decision, winner = decide(view, now_ms, best_pref, best_any)
    # Non-preferred sessions are shut out while the hold lasts, and for good when
    # the fallback is WAIT or FAIL.
    holding = (
        bool(view.preferred_names)
        and best_pref is None
        and (now_ms < view.hold_until() or view.rule.fallback is not Fallback.ANY_ELIGIBLE)
    )
    verdicts: list[Verdict] = []
    for _lra, slot, sid, why, pref in judged:
        if holding and not pref:
            why = sorted([*why, Reason.NOT_PREFERRED_DURING_HOLD])
        verdicts.append(
            Verdict(
                session_id=sid,
                session_name=state.s_name[slot],
                eligible=not why,
                preferred=pref,
                reasons=tuple(why),
                detail=_detail(state, view, slot, why, unknown),
            )
        )
    verdicts.sort(key=lambda v: not v.eligible)  # stable: tie-break order within each group
    hold_until = view.hold_until() if decision is Outcome.HELD_FOR_PREFERRED else None
    return Explanation(
        **base,  # type: ignore[arg-type]
        rule=rule.name,
        decision=decision,
        session_id="" if winner is None else state.s_id[winner],
        session_name="" if winner is None else state.s_name[winner],
        effective_priority=view.effective_priority(now_ms) / POINT,
        verdicts=tuple(verdicts),
        hold_until_ms=hold_until,
        summary=_summary(state, view, decision, winner, hold_until),
    )


def _detail(
    state: MatcherState, view: TaskView, slot: int, why: list[Reason], unknown: list[str]
) -> str:
    parts: list[str] = []
    if Reason.MISSING_LABELS in why:
        missing = state.decode_labels(view.required & ~state.s_labels[slot]) + sorted(unknown)
        parts.append("missing labels: " + ", ".join(missing))
    if Reason.NO_CAPACITY in why:
        parts.append(f"{state.s_active[slot]} of {state.s_capacity[slot]} slots in use")
    if Reason.PROVIDER_NOT_ALLOWED in why:
        provider = next(p for p, i in state.provider_bits.items() if i == state.s_provider[slot])
        parts.append(f"provider {provider!r} not allowed by rule {view.rule.name!r}")
    return "; ".join(parts)


def _summary(
    state: MatcherState,
    view: TaskView,
    decision: Outcome,
    winner: int | None,
    hold_until: int | None,
) -> str:
    rule = view.rule.name
    if decision is Outcome.WOULD_ASSIGN and winner is not None:
        return f"rule {rule!r}: would assign to {state.s_name[winner]!r}"
    if decision is Outcome.HELD_FOR_PREFERRED:
        return f"rule {rule!r}: held for a preferred session until {hold_until} ms"
    if decision is Outcome.FAILED_NO_ROUTE:
        return f"rule {rule!r}: no preferred session free after the hold; fallback is to fail"
    return f"rule {rule!r}: no eligible session; waiting"
