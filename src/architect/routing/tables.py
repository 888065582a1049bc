"""Compiled routing rules: the matcher's view of ``routing_rules.yaml``.

The config loader turns YAML into typed models; the routing service turns those
into plain :class:`RuleSpec` values and calls :func:`compile_rules` once per
config version. The matcher never sees the config models.

Units are integers so that both matcher implementations compute bit-identical
orderings (floating point would let them disagree in the last place):

* times are **milliseconds** (any epoch, but ``0 <= t < MAX_TIME_MS``);
* effective priority is counted in **nanopoints**: ``1 point = 10**9``;
* aging is ``aging_per_ms`` nanopoints per millisecond waited, i.e. the
  configured "points per second" times ``10**6``, rounded (resolution
  ``10**-6`` points per second, about one point per 11.6 days);
* ``aging_cap`` is in nanopoints; ``NO_CAP`` means uncapped.

Effective priority, the one formula both implementations use::

    effective(p, enq, now) = p * 10**9 + min(aging_per_ms * (now - enq), aging_cap)

The bounds below keep every term inside a signed 64-bit integer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from architect.errors import InvalidArgument

#: Nanopoints per priority point.
POINT = 1_000_000_000
#: Times must lie in ``[0, MAX_TIME_MS)`` (2**42 ms is about the year 2109).
MAX_TIME_MS = 1 << 42
#: Base priorities are int32, as in the API.
MIN_PRIORITY = -(1 << 31)
MAX_PRIORITY = (1 << 31) - 1
#: Fastest aging allowed: one point per second.
MAX_AGING_PER_MS = 1_000_000
#: Largest aging cap: a billion points.
MAX_AGING_CAP = 10**18
#: Sentinel cap meaning "no cap": larger than any reachable aging bonus.
NO_CAP = 1 << 62


class Fallback(enum.IntEnum):
    """What a rule does once no preferred session is free and the hold is over."""

    #: Take any eligible session.
    ANY_ELIGIBLE = 0
    #: Keep waiting for a preferred session (the hold never ends).
    WAIT = 1
    #: Fail the task (FAILED_NO_ROUTE).
    FAIL = 2


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One routing rule in plain values, as the routing service builds it from config.

    Seconds and points here are the configured units; :func:`compile_rules`
    converts them to the matcher's integer units.
    """

    #: Task type the rule applies to.
    task_type: str
    #: Rule name reported by explanations; defaults to the task type.
    name: str = ""
    #: Labels every session must carry for this type (tasks may add more).
    required_labels: tuple[str, ...] = ()
    #: Providers allowed to take the type; ``None`` allows every provider.
    allowed_providers: tuple[str, ...] | None = None
    #: Session names preferred for the type (a set: ties among them use the tie-break).
    preferred_sessions: tuple[str, ...] = ()
    #: Session names that never take the type.
    excluded_sessions: tuple[str, ...] = ()
    #: How long a task waits for a preferred session before the fallback applies.
    hold_for_preferred_s: float = 0.0
    #: What happens when no preferred session is free after the hold.
    fallback: Fallback = Fallback.ANY_ELIGIBLE
    #: After a failed attempt, exclude the session that failed it.
    retry_elsewhere: bool = False
    #: Priority of tasks submitted without one.
    default_priority: int = 0
    #: Aging: priority points gained per second spent waiting.
    aging_points_per_s: float = 0.0
    #: Most points aging may add; ``None`` means no cap.
    aging_cap_points: float | None = None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule in matcher units; produced by :func:`compile_rules`, never built by hand."""

    index: int
    name: str
    task_type: str
    required_labels: frozenset[str]
    allowed_providers: frozenset[str] | None
    preferred: frozenset[str]
    excluded: frozenset[str]
    hold_ms: int
    fallback: Fallback
    retry_elsewhere: bool
    default_priority: int
    aging_per_ms: int
    aging_cap: int


@dataclass(frozen=True, slots=True)
class RuleTable:
    """Every compiled rule of one config version, indexed by task type.

    Session-dependent bits (which session a rule prefers or excludes, label and
    provider bit sets) are resolved by :class:`~architect.routing.state.MatcherState`
    when the table is bound to it, because the label and session universes grow
    as sessions register.
    """

    #: Config version (content hash) the table was compiled from.
    version: str
    #: Rules by index.
    rules: tuple[CompiledRule, ...]
    #: Task type -> rule index.
    type_index: Mapping[str, int]
    #: Session names excluded from every rule.
    global_excluded: frozenset[str]
    #: Rule used for types without their own rule, if any.
    default_rule: int | None = None
    #: Distinct (aging_per_ms, aging_cap) pairs; a rule's aging class is its position.
    aging_classes: tuple[tuple[int, int], ...] = field(default=())

    def rule_for(self, task_type: str) -> CompiledRule | None:
        """The rule for ``task_type``: its own, else the default rule, else None."""
        idx = self.type_index.get(task_type, self.default_rule)
        return None if idx is None else self.rules[idx]


def aging_per_ms(points_per_s: float) -> int:
    """Convert a configured aging rate (points per second) to nanopoints per ms."""
    if not 0 <= points_per_s <= MAX_AGING_PER_MS / 1_000_000:
        raise InvalidArgument(
            f"aging rate {points_per_s} points/s is outside [0, {MAX_AGING_PER_MS // 1_000_000}]"
        )
    return round(points_per_s * 1_000_000)


def aging_cap(points: float | None) -> int:
    """Convert a configured aging cap (points, or None) to nanopoints."""
    if points is None:
        return NO_CAP
    if not 0 <= points <= MAX_AGING_CAP / POINT:
        raise InvalidArgument(f"aging cap {points} points is outside [0, {MAX_AGING_CAP // POINT}]")
    return round(points * POINT)


def effective_priority(priority: int, enqueued_ms: int, now_ms: int, per_ms: int, cap: int) -> int:
    """The effective priority in nanopoints (see the module docstring)."""
    return priority * POINT + min(per_ms * (now_ms - enqueued_ms), cap)


def compile_rules(
    rules: Iterable[RuleSpec],
    *,
    version: str,
    global_excluded: Iterable[str] = (),
    default_type: str | None = None,
) -> RuleTable:
    """Compile plain rule values into a :class:`RuleTable`; call once per config version.

    ``default_type`` names the rule used for task types that have none.
    Raises :class:`~architect.errors.InvalidArgument` for duplicate task types,
    out-of-range numbers or an unknown ``default_type``.
    """
    compiled: list[CompiledRule] = []
    type_index: dict[str, int] = {}
    classes: dict[tuple[int, int], int] = {}
    for spec in rules:
        if spec.task_type in type_index:
            raise InvalidArgument(f"task type {spec.task_type!r} has more than one routing rule")
        if not MIN_PRIORITY <= spec.default_priority <= MAX_PRIORITY:
            raise InvalidArgument(f"rule {spec.task_type!r}: default priority is not an int32")
        if spec.hold_for_preferred_s < 0:
            raise InvalidArgument(f"rule {spec.task_type!r}: hold_for_preferred is negative")
        per_ms = aging_per_ms(spec.aging_points_per_s)
        cap = aging_cap(spec.aging_cap_points)
        classes.setdefault((per_ms, cap), len(classes))
        type_index[spec.task_type] = len(compiled)
        compiled.append(
            CompiledRule(
                index=len(compiled),
                name=spec.name or spec.task_type,
                task_type=spec.task_type,
                required_labels=frozenset(spec.required_labels),
                allowed_providers=(
                    None if spec.allowed_providers is None else frozenset(spec.allowed_providers)
                ),
                preferred=frozenset(spec.preferred_sessions),
                excluded=frozenset(spec.excluded_sessions),
                hold_ms=round(spec.hold_for_preferred_s * 1000),
                fallback=Fallback(spec.fallback),
                retry_elsewhere=spec.retry_elsewhere,
                default_priority=spec.default_priority,
                aging_per_ms=per_ms,
                aging_cap=cap,
            )
        )
    default_rule = None
    if default_type is not None:
        if default_type not in type_index:
            raise InvalidArgument(f"default rule {default_type!r} is not a defined task type")
        default_rule = type_index[default_type]
    return RuleTable(
        version=version,
        rules=tuple(compiled),
        type_index=type_index,
        global_excluded=frozenset(global_excluded),
        default_rule=default_rule,
        aging_classes=tuple(classes),
    )
