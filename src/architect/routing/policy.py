"""The routing policy of one config version: matcher tables plus lifecycle settings.

Built once per config version from ``routing_rules.yaml`` (see
``architect.routing.from_config``) and swapped in one reference on reload, so a
call in flight keeps the version it started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from architect.routing.tables import RuleTable


@dataclass(frozen=True, slots=True)
class TypePolicy:
    """Lifecycle settings of one task type."""

    #: Attempts a task of this type gets, counting the first.
    max_attempts: int = 3
    #: Longest a started attempt may run before it times out (None: no limit).
    start_to_close: timedelta | None = None
    #: Longest a task may wait unassigned before it times out (None: no limit).
    schedule_to_start: timedelta | None = None
    #: How long an assignment stays with a worker that stops renewing it.
    lease: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SessionTiming:
    """How often sessions beat and how long a silent one keeps its work."""

    #: How often a worker should heartbeat (told to it at registration).
    heartbeat_interval: timedelta = timedelta(seconds=10)
    #: How long a session may stay silent before it goes OFFLINE (and its work is requeued).
    lease_duration: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Everything routing needs from one config version."""

    version: str
    rules: RuleTable
    types: dict[str, TypePolicy] = field(default_factory=dict)
    timing: SessionTiming = field(default_factory=SessionTiming)
    default: TypePolicy = field(default_factory=TypePolicy)
    #: Providers sessions may register with, and the labels each implies for its sessions;
    #: ``None`` accepts any provider (a policy built without a config, in tests).
    providers: dict[str, tuple[str, ...]] | None = None

    def for_type(self, task_type: str) -> TypePolicy:
        """The lifecycle settings of ``task_type`` (the defaults when it has none)."""
        return self.types.get(task_type, self.default)

    def session_labels(self, provider: str, labels: tuple[str, ...]) -> tuple[str, ...]:
        """A session's labels plus those its provider implies."""
        implied = (self.providers or {}).get(provider, ())
        return tuple(dict.fromkeys((*labels, *implied)))

    def knows(self, task_type: str) -> bool:
        """True when a rule routes ``task_type`` (its own or the default rule)."""
        return self.rules.rule_for(task_type) is not None
