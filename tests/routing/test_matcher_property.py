"""Both matcher implementations return identical decisions, and explain agrees with match."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architect import _native
from architect.routing import matcher_py
from architect.routing.decisions import Decisions, Outcome
from architect.routing.explain import explain_pending
from architect.routing.state import MatcherState
from tests.routing.fleets import IMPLS, fresh_copy, impls, rule_tables, states, task_inputs

NOW = st.integers(0, 16).map(lambda x: x * 500)


def _all(state: MatcherState, now: int) -> list[Decisions]:
    return [impl.match(state, now) for impl in impls()]


@pytest.fixture(params=["per-signature", "per-aging-class"])
def stream_layout(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run a test with each of the compiled matcher's two queue layouts."""
    if not _native.NATIVE:
        yield
        return
    old = _native.matcher.set_per_sig_limit(512 if request.param == "per-signature" else 0)
    try:
        yield
    finally:
        _native.matcher.set_per_sig_limit(old)


@pytest.mark.usefixtures("stream_layout")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=states(), now=NOW)
def test_implementations_agree_on_random_fleets(state: MatcherState, now: int) -> None:
    first, *others = _all(state, now)
    for other in others:
        assert other == first


@pytest.mark.usefixtures("stream_layout")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=states(), data=st.data())
def test_implementations_agree_across_incremental_changes(
    state: MatcherState, data: st.DataObject
) -> None:
    # The compiled matcher keeps an index between passes; drive it through
    # applies, new tasks, load changes, fleet changes and a rule reload.
    now = 0
    for step in range(5):
        now += data.draw(st.integers(0, 3)) * 500
        decisions = _all(state, now)
        assert all(d == decisions[0] for d in decisions)
        state.apply(decisions[0], now)
        for i, task in enumerate(data.draw(st.lists(task_inputs(), max_size=6))):
            state.add_task(f"new-{step}-{i}", task)
        live = sorted(state.task_slot)
        for task_id in data.draw(st.lists(st.sampled_from(live), max_size=3)) if live else []:
            state.remove_task(task_id)
        for sid in sorted(state.session_slot)[: data.draw(st.integers(0, 2))]:
            state.set_session_load(sid, active=0, accepting=data.draw(st.booleans()))
        if data.draw(st.booleans()) and state.session_slot:
            state.remove_session(sorted(state.session_slot)[0])
        if step == 2:
            state.set_rules(data.draw(rule_tables()))
        # A state rebuilt from scratch decides exactly like the incrementally kept one.
        assert matcher_py.match(fresh_copy(state), now) == matcher_py.match(state, now)


@IMPLS
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=states(), now=NOW)
def test_explain_agrees_with_a_pass_holding_only_that_task(
    impl: ModuleType, state: MatcherState, now: int
) -> None:
    for task_id in sorted(state.task_slot):
        alone = fresh_copy(state)
        for other in sorted(alone.task_slot):
            if other != task_id:
                alone.remove_task(other)
        decided = impl.match(alone, now)
        explained = explain_pending(state, task_id, now)
        if explained.decision is Outcome.WOULD_ASSIGN:
            assert decided.assignments == [(task_id, explained.session_id)]
        else:
            assert decided.assignments == []
        assert (task_id in decided.failed) == (explained.decision is Outcome.FAILED_NO_ROUTE)
        held = explained.decision is Outcome.HELD_FOR_PREFERRED
        assert (decided.wake_at_ms is not None) == held
        if held:
            assert decided.wake_at_ms == explained.hold_until_ms
        eligible = [v for v in explained.verdicts if v.eligible]
        assert all(not v.reasons for v in eligible)
        assert all(v.reasons for v in explained.verdicts if not v.eligible)
