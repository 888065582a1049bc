"""Hypothesis strategies and helpers shared by the matcher tests."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import strategies as st

from architect import _native
from architect.routing import matcher_py
from architect.routing.state import MatcherState, TaskInput
from architect.routing.tables import Fallback, RuleSpec, RuleTable, compile_rules


def impls() -> list[ModuleType]:
    """Every matcher implementation available in this build."""
    found = [matcher_py]
    if _native.NATIVE:
        found.append(_native.matcher)
    return found


IMPLS = pytest.mark.parametrize("impl", impls(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])

LABELS = [f"l{i}" for i in range(6)]
PROVIDERS = ["claude", "codex", "gemini"]
NAMES = [f"s{i}" for i in range(8)]
TYPES = ["t0", "t1", "t2", "t3"]


def subset(pool: list[str], max_size: int) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), max_size=max_size, unique=True).map(tuple)


@st.composite
def rule_specs(draw: st.DrawFn, task_type: str) -> RuleSpec:
    return RuleSpec(
        task_type=task_type,
        required_labels=draw(subset(LABELS, 2)),
        allowed_providers=draw(st.none() | subset(PROVIDERS, 2)),
        preferred_sessions=draw(subset([*NAMES, "ghost"], 3)),
        excluded_sessions=draw(subset(NAMES, 2)),
        hold_for_preferred_s=draw(st.sampled_from([0, 0.5, 1, 5])),
        fallback=draw(st.sampled_from(list(Fallback))),
        retry_elsewhere=draw(st.booleans()),
        default_priority=draw(st.integers(-2, 2)),
        aging_points_per_s=draw(st.sampled_from([0, 0.001, 0.3, 1])),
        aging_cap_points=draw(st.sampled_from([None, 0, 1, 2.5])),
    )


@st.composite
def rule_tables(draw: st.DrawFn) -> RuleTable:
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=4, unique=True))
    specs = [draw(rule_specs(t)) for t in types]
    return compile_rules(
        specs,
        version=draw(st.text("abc", min_size=1, max_size=3)),
        global_excluded=draw(subset(NAMES, 2)),
        default_type=draw(st.none() | st.sampled_from(types)),
    )


@st.composite
def session_kwargs(draw: st.DrawFn, name: str) -> dict[str, object]:
    return dict(
        name=name,
        provider=draw(st.sampled_from(PROVIDERS)),
        labels=draw(subset(LABELS, 4)),
        capacity=draw(st.integers(0, 3)),
        active=draw(st.integers(0, 2)),
        accepting=draw(st.booleans() | st.just(True)),
        last_assigned_ms=draw(st.sampled_from([0, 1000, 2000, 3000])),
    )


@st.composite
def task_inputs(draw: st.DrawFn) -> TaskInput:
    return TaskInput(
        task_type=draw(st.sampled_from([*TYPES, "unknown"])),
        enqueued_ms=draw(st.integers(0, 12).map(lambda x: x * 500)),
        priority=draw(st.none() | st.integers(-3, 3)),
        required_labels=draw(subset(LABELS, 1)),
        preferred_sessions=draw(st.just(()) | subset([*NAMES, "ghost"], 2)),
        failed_session_id=draw(st.none() | st.sampled_from([f"id-{n}" for n in NAMES])),
    )


@st.composite
def states(draw: st.DrawFn) -> MatcherState:
    """A random fleet and queue under random rules."""
    state = MatcherState(draw(rule_tables()))
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=8, unique=True)):
        state.upsert_session(f"id-{name}", **draw(session_kwargs(name)))  # type: ignore[arg-type]
    for i, task in enumerate(draw(st.lists(task_inputs(), max_size=25))):
        state.add_task(f"task-{i:02d}", task)
    return state


def fresh_copy(state: MatcherState) -> MatcherState:
    """A state equal to ``state`` but without the compiled matcher's index."""
    import copy

    saved, state.native_index = state.native_index, None
    try:
        return copy.deepcopy(state)
    finally:
        state.native_index = saved
