"""Build the routing policy of one config version from ``routing_rules.yaml``.

Called once per config version (at start and from the config manager's change
callback), never per call or per pass.
"""

from __future__ import annotations

from architect.config.model import LoadedConfig
from architect.config.routing import FallbackStrategy
from architect.routing.policy import RoutingPolicy, SessionTiming, TypePolicy
from architect.routing.tables import Fallback, RuleSpec, compile_rules

_FALLBACK = {
    FallbackStrategy.ANY_ELIGIBLE: Fallback.ANY_ELIGIBLE,
    FallbackStrategy.WAIT: Fallback.WAIT,
    FallbackStrategy.FAIL: Fallback.FAIL,
}


def build_policy(config: LoadedConfig) -> RoutingPolicy:
    """The matcher tables and lifecycle settings of ``config``."""
    rules = config.routing
    aging_per_s = rules.aging.points_per_minute / 60
    specs = []
    types = {}
    for task_type in rules.task_types:
        route = rules.route(task_type)
        specs.append(
            RuleSpec(
                task_type=task_type,
                required_labels=route.required_labels,
                allowed_providers=route.allowed_providers,
                preferred_sessions=route.preferred_sessions,
                excluded_sessions=route.exclude_sessions,
                hold_for_preferred_s=route.hold_for_preferred.total_seconds(),
                fallback=_FALLBACK[route.fallback],
                retry_elsewhere=route.retry.retry_elsewhere,
                default_priority=route.priority,
                aging_points_per_s=aging_per_s,
                aging_cap_points=float(rules.aging.max_boost),
            )
        )
        types[task_type] = TypePolicy(
            max_attempts=route.retry.max_attempts,
            start_to_close=route.start_to_close,
            schedule_to_start=route.schedule_to_start,
            lease=route.lease,
        )
    table = compile_rules(
        specs,
        version=config.version,
        global_excluded=[e.session for e in rules.session_exclusions],
    )
    lease = rules.defaults.lease
    return RoutingPolicy(
        version=config.version,
        rules=table,
        types=types,
        timing=SessionTiming(heartbeat_interval=lease / 3, lease_duration=lease),
        default=TypePolicy(
            max_attempts=rules.defaults.retry.max_attempts,
            start_to_close=rules.defaults.start_to_close,
            schedule_to_start=rules.defaults.schedule_to_start,
            lease=lease,
        ),
        providers={name: p.labels for name, p in rules.providers.items()},
    )
