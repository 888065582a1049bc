"""Synthetic fleets and queues for the matcher benchmarks (see test_matcher_bench.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from architect.routing.state import MatcherState, TaskInput
from architect.routing.tables import Fallback, RuleSpec, compile_rules

NOW_MS = 1_700_000_000_000
PROVIDERS = ["claude", "codex", "gemini"]


@dataclass
class Workload:
    """A state plus the plain description the naive baseline starts from."""

    name: str
    state: MatcherState
    specs: list[RuleSpec]
    sessions: list[dict[str, object]]
    tasks: list[tuple[str, TaskInput]]


def build(kind: str, n_tasks: int, n_sessions: int, seed: int = 7) -> Workload:
    """``kind`` is "typical" or "sparse"; the same seed gives the same workload."""
    rnd = random.Random(seed)
    if kind == "typical":
        labels = ["linux", "python", "node", "gpu", "prod", "staging", "docker", "large"]
        profiles = [
            ["linux", "python", "docker"],
            ["linux", "node", "docker", "staging"],
            ["linux", "python", "gpu", "large"],
            ["linux", "python", "node", "prod", "docker"],
        ]
        specs = [
            RuleSpec("shell", required_labels=("linux",), aging_points_per_s=1 / 60),
            RuleSpec("python", required_labels=("python",), aging_points_per_s=1 / 60),
            RuleSpec("prompt", allowed_providers=("claude", "codex"), aging_points_per_s=1 / 60),
            RuleSpec(
                "security_audit",
                preferred_sessions=tuple(f"session-{i}" for i in range(0, n_sessions, 50)),
                hold_for_preferred_s=30,
                fallback=Fallback.ANY_ELIGIBLE,
                default_priority=3,
                aging_points_per_s=1 / 60,
                aging_cap_points=10,
            ),
            RuleSpec("deploy", required_labels=("prod",), retry_elsewhere=True),
        ]
        weights = [40, 30, 20, 5, 5]
    else:
        labels = [f"repo-{i}" for i in range(max(300, n_sessions // 3))]
        profiles = []
        specs = [
            RuleSpec("build", aging_points_per_s=1 / 60),
            RuleSpec("review", allowed_providers=("claude",), aging_points_per_s=1 / 60),
            RuleSpec("fix", aging_points_per_s=1 / 30, aging_cap_points=20),
        ]
        weights = [50, 30, 20]
    types = [s.task_type for s in specs]
    state = MatcherState(compile_rules(specs, version=f"bench-{kind}", global_excluded=()))
    sessions: list[dict[str, object]] = []
    for i in range(n_sessions):
        own = rnd.choice(profiles) if profiles else rnd.sample(labels, 3)
        sessions.append(
            dict(
                session_id=f"sid-{i:06d}",
                name=f"session-{i}",
                provider=rnd.choice(PROVIDERS),
                labels=list(own),
                capacity=2 if rnd.random() < 0.1 else 1,
                active=1 if rnd.random() < 0.2 else 0,
                accepting=rnd.random() > 0.05,
                last_assigned_ms=NOW_MS - rnd.randrange(3_600_000),
            )
        )
    tasks: list[tuple[str, TaskInput]] = []
    for i in range(n_tasks):
        task_type = rnd.choices(types, weights)[0]
        required: tuple[str, ...] = ()
        if kind == "sparse":
            required = (rnd.choice(labels),)
        elif task_type == "shell" and rnd.random() < 0.3:
            required = (rnd.choice(labels[:3]),)
        tasks.append(
            (
                f"task-{i:07d}",
                TaskInput(
                    task_type,
                    enqueued_ms=NOW_MS - rnd.randrange(3_600_000),
                    priority=rnd.choice([None, 0, 1, 2, 5]),
                    required_labels=required,
                ),
            )
        )
    for s in sessions:
        kw = dict(s)
        state.upsert_session(kw.pop("session_id"), **kw)  # type: ignore[arg-type]
    for task_id, task in tasks:
        state.add_task(task_id, task)
    return Workload(kind, state, specs, sessions, tasks)
