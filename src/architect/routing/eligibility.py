"""The routing contract in one place: eligibility reasons and the per-task decision.

The reference matcher and :mod:`~architect.routing.explain` both call these,
which is what keeps an explanation consistent with what a pass does. The
compiled matcher implements the same rules over precomputed bit sets; the
property tests hold it to these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from architect.routing.decisions import Outcome, Reason
from architect.routing.state import MatcherState
from architect.routing.tables import CompiledRule, Fallback, effective_priority


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task resolved against the bound rules (a pending slot or a hypothetical task)."""

    task_id: str
    rule: CompiledRule
    priority: int
    enqueued_ms: int
    #: Required labels (the task's and the rule's) as a bit set.
    required: int
    #: Task-level preferred names, or None to use the rule's.
    preferred: frozenset[str] | None
    failed_session_id: str | None

    @property
    def preferred_names(self) -> frozenset[str]:
        """The preferred session names in force: the task's if given, else the rule's."""
        return self.rule.preferred if self.preferred is None else self.preferred

    def effective_priority(self, now_ms: int) -> int:
        """Priority plus aging, in nanopoints."""
        return effective_priority(
            self.priority, self.enqueued_ms, now_ms, self.rule.aging_per_ms, self.rule.aging_cap
        )

    def hold_until(self) -> int:
        """When the hold for preferred sessions ends (ms)."""
        return self.enqueued_ms + self.rule.hold_ms


def view_of(state: MatcherState, slot: int) -> TaskView | None:
    """The view of a pending task; None when no rule matches its type."""
    rule = state.rule_of(slot)
    if rule is None:
        return None
    return TaskView(
        task_id=state.t_id[slot],
        rule=rule,
        priority=state.t_priority[slot],
        enqueued_ms=state.t_enq[slot],
        required=state.t_req[slot],
        preferred=state.t_pref[slot],
        failed_session_id=state.t_failed[slot],
    )


def reasons(state: MatcherState, task: TaskView, slot: int, free: int) -> list[Reason]:
    """Every reason session ``slot`` cannot take ``task`` given ``free`` capacity.

    Does not include NOT_PREFERRED_DURING_HOLD, which depends on the whole fleet.
    """
    out: list[Reason] = []
    name = state.s_name[slot]
    if not state.s_accepting[slot]:
        out.append(Reason.STATE_NOT_ACCEPTING)
    elif free <= 0:
        out.append(Reason.NO_CAPACITY)
    if task.required & ~state.s_labels[slot]:
        out.append(Reason.MISSING_LABELS)
    if not state.rule_providers[task.rule.index] >> state.s_provider[slot] & 1:
        out.append(Reason.PROVIDER_NOT_ALLOWED)
    if name in state.rules.global_excluded:
        out.append(Reason.EXCLUDED_GLOBAL)
    if name in task.rule.excluded:
        out.append(Reason.EXCLUDED_BY_RULE)
    if task.rule.retry_elsewhere and task.failed_session_id == state.s_id[slot]:
        out.append(Reason.EXCLUDED_AFTER_FAILURE)
    return out


def is_preferred(state: MatcherState, task: TaskView, slot: int) -> bool:
    """Whether session ``slot`` is one of the task's preferred sessions."""
    return state.s_name[slot] in task.preferred_names


def decide(
    task: TaskView, now_ms: int, best_preferred: int | None, best_any: int | None
) -> tuple[Outcome, int | None]:
    """The decision for a task, given its best eligible preferred and overall sessions.

    Without preferred sessions the task takes the best eligible session or waits.
    With them, an eligible preferred session wins; otherwise the task is held
    until ``hold_until``, then the fallback applies (ANY_ELIGIBLE: best eligible
    or wait; WAIT: wait; FAIL: fail).
    """
    if not task.preferred_names:
        if best_any is None:
            return Outcome.WAITING, None
        return Outcome.WOULD_ASSIGN, best_any
    if best_preferred is not None:
        return Outcome.WOULD_ASSIGN, best_preferred
    if now_ms < task.hold_until():
        return Outcome.HELD_FOR_PREFERRED, None
    fallback = task.rule.fallback
    if fallback is Fallback.ANY_ELIGIBLE and best_any is not None:
        return Outcome.WOULD_ASSIGN, best_any
    if fallback is Fallback.FAIL:
        return Outcome.FAILED_NO_ROUTE, None
    return Outcome.WAITING, None
