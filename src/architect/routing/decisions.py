"""What a matcher pass returns: assignments, failures and the next wake-up time."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple


class Assignment(NamedTuple):
    """One task handed to one session by a pass."""

    task_id: str
    session_id: str


class Outcome(enum.IntEnum):
    """A task's routing decision; values mirror ``architect.v1.RoutingDecision``."""

    WOULD_ASSIGN = 2
    WAITING = 3
    HELD_FOR_PREFERRED = 4
    FAILED_NO_ROUTE = 5


class Reason(enum.IntEnum):
    """Why a session cannot take a task; values mirror ``architect.v1.IneligibleReason``."""

    NO_CAPACITY = 1
    MISSING_LABELS = 2
    PROVIDER_NOT_ALLOWED = 3
    EXCLUDED_GLOBAL = 4
    EXCLUDED_BY_RULE = 5
    EXCLUDED_AFTER_FAILURE = 6
    NOT_PREFERRED_DURING_HOLD = 7
    STATE_NOT_ACCEPTING = 8


@dataclass(slots=True)
class Decisions:
    """The result of one pass. Nothing in the state has changed yet.

    The routing service persists the assignments and failures, then calls
    :meth:`~architect.routing.state.MatcherState.apply` with this object.
    ``task_ids[i]`` goes to ``session_ids[i]``, in the order the pass decided
    them (highest effective priority first).
    """

    #: Assigned task ids, in pass order.
    task_ids: list[str] = field(default_factory=list)
    #: The session each task goes to (parallel to ``task_ids``).
    session_ids: list[str] = field(default_factory=list)
    #: Tasks to fail: no routing rule, or fallback FAIL with no preferred session free.
    failed: list[str] = field(default_factory=list)
    #: Earliest end of a hold among held tasks (ms): run a pass then. None if none is held.
    wake_at_ms: int | None = None

    @property
    def assignments(self) -> list[Assignment]:
        """The assignments as (task_id, session_id) pairs."""
        return [Assignment(t, s) for t, s in zip(self.task_ids, self.session_ids, strict=True)]
