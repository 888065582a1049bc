"""``routing_rules.yaml``: how tasks of each type are matched to sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import Field

from architect.config.types import Duration, FrozenModel, Label, Name, SessionName

T = TypeVar("T")


def _pick(override: T | None, default: T) -> T:
    """``override`` unless unset; a falsy override (0s, False) still wins."""
    return default if override is None else override


class FallbackStrategy(StrEnum):
    """What happens once a task has waited ``hold_for_preferred`` for its preferred sessions."""

    ANY_ELIGIBLE = "any_eligible"
    WAIT = "wait"
    FAIL = "fail"


class Backoff(FrozenModel):
    """Delay before a failed task is offered again: initial * multiplier^(attempt-1), capped."""

    initial: Duration = timedelta(seconds=5)
    """Delay before the second attempt."""
    multiplier: float = Field(default=2.0, ge=1.0, le=10.0)
    """Factor applied to the delay after each further failure (1 keeps it constant)."""
    max: Duration = timedelta(minutes=5)
    """Upper bound of the delay."""


class RetryPolicy(FrozenModel):
    """How failed attempts are retried (the default policy, every field set)."""

    max_attempts: int = Field(default=3, ge=1, le=100)
    """Attempts in total, counting the first; 1 means no retry."""
    backoff: Backoff = Backoff()
    """Delay between attempts."""
    retry_elsewhere: bool = True
    """Exclude the session that just failed the task from its next attempt."""


class RetryOverride(FrozenModel):
    """Per-type changes to the default retry policy; unset fields keep the default."""

    max_attempts: int | None = Field(default=None, ge=1, le=100)
    """Attempts in total, counting the first; 1 means no retry."""
    backoff: Backoff | None = None
    """Delay between attempts (replaces the default backoff as a whole)."""
    retry_elsewhere: bool | None = None
    """Exclude the session that just failed the task from its next attempt."""


class RoutingDefaults(FrozenModel):
    """Values every task type starts from; a type overrides any of them."""

    priority: int = Field(default=5, ge=0, le=100)
    """Base priority of a task submitted without one; higher runs sooner."""
    schedule_to_start: Duration = timedelta(hours=1)
    """How long a task may wait unassigned before it times out."""
    start_to_close: Duration = timedelta(minutes=30)
    """How long one attempt may run once assigned before it times out."""
    lease: Duration = timedelta(seconds=30)
    """An assignment lapses unless the worker heartbeats within this period."""
    retry: RetryPolicy = RetryPolicy()
    """Retry policy for failed attempts."""
    hold_for_preferred: Duration = timedelta(0)
    """How long a task waits for a free preferred session before the fallback applies."""
    fallback: FallbackStrategy = FallbackStrategy.ANY_ELIGIBLE
    """After hold_for_preferred: any_eligible session, keep waiting (wait), or fail the task."""


class TaskTypeRule(FrozenModel):
    """Routing of one task type. Unset fields take the value from ``defaults``."""

    description: str = ""
    """What tasks of this type do, for people reading the config."""
    required_labels: tuple[Label, ...] = ()
    """Labels a session must all carry (added to the labels the task itself requires)."""
    preferred_sessions: tuple[SessionName, ...] = ()
    """Session names preferred, best first; they win whenever eligible."""
    allowed_providers: tuple[Name, ...] = ()
    """Providers whose sessions may take the task; empty allows every enabled provider."""
    exclude_sessions: tuple[SessionName, ...] = ()
    """Session names never given tasks of this type (besides the global exclusions)."""
    priority: int | None = Field(default=None, ge=0, le=100)
    """Base priority of a task submitted without one; higher runs sooner."""
    schedule_to_start: Duration | None = None
    """How long a task may wait unassigned before it times out."""
    start_to_close: Duration | None = None
    """How long one attempt may run once assigned before it times out."""
    lease: Duration | None = None
    """An assignment lapses unless the worker heartbeats within this period."""
    retry: RetryOverride | None = None
    """Changes to the default retry policy."""
    hold_for_preferred: Duration | None = None
    """How long a task waits for a free preferred session before the fallback applies."""
    fallback: FallbackStrategy | None = None
    """After hold_for_preferred: any_eligible, wait, or fail."""


class Provider(FrozenModel):
    """One agent provider (claude, codex, gemini, ...)."""

    description: str = ""
    """What the provider is, for people reading the config."""
    enabled: bool = True
    """Disabled providers receive no tasks; their sessions may still register."""
    max_concurrent: int | None = Field(default=None, ge=1, le=100_000)
    """Cap on assignments held at once by all sessions of this provider; unset is no cap."""
    labels: tuple[Label, ...] = ()
    """Labels implied for every session of this provider (added to the ones it registers)."""


class SessionExclusion(FrozenModel):
    """A session that receives no tasks at all, with the reason."""

    session: SessionName
    """Session name, as the worker registers it."""
    reason: str = Field(min_length=1)
    """Why it is excluded; shown when routing is explained."""


class Aging(FrozenModel):
    """Priority added for time spent waiting, so low-priority work cannot starve."""

    points_per_minute: float = Field(default=1.0, ge=0.0, le=60.0)
    """Priority points added per minute a task has waited since it was enqueued (at most 60:
    the matcher's integer arithmetic allows one point per second)."""
    max_boost: int = Field(default=50, ge=0, le=10_000)
    """Upper bound of the points aging adds."""


@dataclass(frozen=True)
class ResolvedRoute:
    """The routing rule of one task type with every default applied (what the matcher reads)."""

    task_type: str
    required_labels: tuple[str, ...]
    preferred_sessions: tuple[str, ...]
    allowed_providers: tuple[str, ...]
    exclude_sessions: tuple[str, ...]
    priority: int
    schedule_to_start: timedelta
    start_to_close: timedelta
    lease: timedelta
    retry: RetryPolicy
    hold_for_preferred: timedelta
    fallback: FallbackStrategy


class RoutingRules(FrozenModel):
    """routing_rules.yaml: routing per task type, providers, exclusions, aging."""

    defaults: RoutingDefaults = RoutingDefaults()
    """Values every task type starts from."""
    aging: Aging = Aging()
    """Priority aging for waiting tasks."""
    providers: dict[Name, Provider] = {}
    """Known providers by name; routing rules may only name these."""
    session_exclusions: tuple[SessionExclusion, ...] = ()
    """Sessions that receive no tasks of any type."""
    task_types: dict[Name, TaskTypeRule] = Field(min_length=1)
    """Every task type the server accepts, with its routing rule."""

    def route(self, task_type: str) -> ResolvedRoute:
        """The rule for ``task_type`` with defaults applied; KeyError for an unknown type."""
        rule, d = self.task_types[task_type], self.defaults
        retry = d.retry
        if rule.retry is not None:
            retry = RetryPolicy(
                max_attempts=_pick(rule.retry.max_attempts, retry.max_attempts),
                backoff=_pick(rule.retry.backoff, retry.backoff),
                retry_elsewhere=_pick(rule.retry.retry_elsewhere, retry.retry_elsewhere),
            )
        allowed = rule.allowed_providers or tuple(
            name for name, p in self.providers.items() if p.enabled
        )
        return ResolvedRoute(
            task_type=task_type,
            required_labels=rule.required_labels,
            preferred_sessions=rule.preferred_sessions,
            allowed_providers=allowed,
            exclude_sessions=rule.exclude_sessions,
            priority=d.priority if rule.priority is None else rule.priority,
            schedule_to_start=_pick(rule.schedule_to_start, d.schedule_to_start),
            start_to_close=_pick(rule.start_to_close, d.start_to_close),
            lease=_pick(rule.lease, d.lease),
            retry=retry,
            hold_for_preferred=_pick(rule.hold_for_preferred, d.hold_for_preferred),
            fallback=_pick(rule.fallback, d.fallback),
        )
