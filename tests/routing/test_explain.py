"""Explanations name the rule, the decision, and every reason a session was passed over."""

from __future__ import annotations

import os
import subprocess
import sys

from architect.routing import matcher_py
from architect.routing.decisions import Outcome, Reason
from architect.routing.explain import explain, explain_pending
from architect.routing.state import MatcherState, TaskInput
from architect.routing.tables import Fallback, RuleSpec, compile_rules


def _fleet() -> MatcherState:
    rule = RuleSpec(
        "audit",
        name="security audits",
        required_labels=("secure",),
        allowed_providers=("claude",),
        preferred_sessions=("fav",),
        excluded_sessions=("banned",),
        hold_for_preferred_s=30,
        retry_elsewhere=True,
        aging_points_per_s=0.5,
    )
    state = MatcherState(compile_rules([rule], version="cfg-1", global_excluded=("global",)))
    add = state.upsert_session
    add("id-full", name="full", provider="claude", labels=["secure"], active=1)
    add("id-nolabel", name="nolabel", provider="claude", labels=["other"])
    add("id-codex", name="codex", provider="codex", labels=["secure"])
    add("id-global", name="global", provider="claude", labels=["secure"])
    add("id-banned", name="banned", provider="claude", labels=["secure"])
    add("id-failed", name="failed", provider="claude", labels=["secure"])
    add("id-drain", name="drain", provider="claude", labels=["secure"], accepting=False)
    add("id-ok", name="ok", provider="claude", labels=["secure"], last_assigned_ms=7)
    add("id-fav", name="fav", provider="claude", labels=["secure"], active=1)
    return state


def _reasons(ex: object) -> dict[str, tuple[Reason, ...]]:
    return {v.session_name: v.reasons for v in ex.verdicts}  # type: ignore[attr-defined]


def test_held_task_gets_every_reason_code() -> None:
    state = _fleet()
    task = TaskInput("audit", enqueued_ms=0, priority=2, failed_session_id="id-failed")
    state.add_task("t1", task)
    ex = explain_pending(state, "t1", 10_000)
    assert (ex.rule, ex.config_version, ex.decision) == (
        "security audits",
        "cfg-1",
        Outcome.HELD_FOR_PREFERRED,
    )
    assert ex.hold_until_ms == 30_000 and ex.effective_priority == 7.0  # 2 + 0.5 * 10
    hold = Reason.NOT_PREFERRED_DURING_HOLD
    assert _reasons(ex) == {
        "full": (Reason.NO_CAPACITY, hold),
        "nolabel": (Reason.MISSING_LABELS, hold),
        "codex": (Reason.PROVIDER_NOT_ALLOWED, hold),
        "global": (Reason.EXCLUDED_GLOBAL, hold),
        "banned": (Reason.EXCLUDED_BY_RULE, hold),
        "failed": (Reason.EXCLUDED_AFTER_FAILURE, hold),
        "drain": (hold, Reason.STATE_NOT_ACCEPTING),
        "ok": (hold,),
        "fav": (Reason.NO_CAPACITY,),
    }
    nolabel = next(v for v in ex.verdicts if v.session_name == "nolabel")
    assert nolabel.detail == "missing labels: secure"
    assert [v.preferred for v in ex.verdicts if v.session_name == "fav"] == [True]


def test_after_the_hold_the_fallback_decides_and_the_winner_is_named() -> None:
    state = _fleet()
    task = TaskInput("audit", enqueued_ms=0, failed_session_id="id-failed")
    ex = explain(state, task, 30_000)
    assert (ex.decision, ex.session_name, ex.session_id) == (Outcome.WOULD_ASSIGN, "ok", "id-ok")
    assert [v.session_name for v in ex.verdicts if v.eligible] == ["ok"]
    assert ex.verdicts[0].session_name == "ok"
    # Explaining changes nothing, and a pass agrees.
    state.add_task("t", task)
    assert matcher_py.match(state, 30_000).assignments == [("t", "id-ok")]


def test_fail_fallback_and_unknown_type_explain_as_no_route() -> None:
    rule = RuleSpec("x", preferred_sessions=("gone",), fallback=Fallback.FAIL)
    state = MatcherState(compile_rules([rule], version="v"))
    state.upsert_session("s", name="s", provider="p")
    assert explain(state, TaskInput("x", enqueued_ms=0), 5).decision is Outcome.FAILED_NO_ROUTE
    orphan = explain(state, TaskInput("nope", enqueued_ms=0), 5)
    assert (orphan.decision, orphan.rule) == (Outcome.FAILED_NO_ROUTE, "")
    assert "no routing rule" in orphan.summary


def test_unknown_labels_are_missing_everywhere() -> None:
    state = MatcherState(compile_rules([RuleSpec("x")], version="v"))
    state.upsert_session("s", name="s", provider="p", labels=["a"])
    ex = explain(state, TaskInput("x", enqueued_ms=0, required_labels=("never-seen",)), 5)
    assert ex.decision is Outcome.WAITING
    assert ex.verdicts[0].reasons == (Reason.MISSING_LABELS,)
    assert ex.verdicts[0].detail == "missing labels: never-seen"


def test_pure_python_switch_selects_the_reference() -> None:
    code = "from architect import _native; print(_native.matcher.__name__, _native.NATIVE)"
    env = {**os.environ, "ARCHITECT_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["architect.routing.matcher_py", "False"]


def test_a_new_version_with_the_same_rules_keeps_the_compiled_state() -> None:
    from dataclasses import replace

    from architect.routing.state import MatcherState
    from architect.routing.tables import RuleSpec, compile_rules

    rules = compile_rules([RuleSpec("shell", required_labels=("shell",))], version="v1")
    state = MatcherState(rules)
    before = (state.rules_version, state.fleet_version)
    state.set_rules(replace(rules, version="v2"))  # e.g. only an SLA target changed
    assert state.rules.version == "v2"
    assert (state.rules_version, state.fleet_version) == before
    state.set_rules(compile_rules([RuleSpec("shell", required_labels=("gpu",))], version="v3"))
    assert state.rules_version == before[0] + 1
    assert state.rule_req == [state.encode_labels(["gpu"])]
