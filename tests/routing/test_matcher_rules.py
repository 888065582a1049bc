"""Each routing rule, and how rules combine, on both matcher implementations."""

from __future__ import annotations

from types import ModuleType

from architect.routing.decisions import Decisions
from architect.routing.state import MatcherState, TaskInput
from architect.routing.tables import Fallback, RuleSpec, compile_rules
from tests.routing.fleets import IMPLS


def _state(*specs: RuleSpec, global_excluded: tuple[str, ...] = ()) -> MatcherState:
    return MatcherState(compile_rules(specs, version="v1", global_excluded=global_excluded))


def _session(state: MatcherState, name: str, **kw: object) -> None:
    kw.setdefault("provider", "claude")
    state.upsert_session(name, name=name, **kw)  # type: ignore[arg-type]


def _pairs(d: Decisions) -> list[tuple[str, str]]:
    return [tuple(a) for a in d.assignments]  # type: ignore[misc]


@IMPLS
def test_order_is_priority_then_enqueue_time_then_id(impl: ModuleType) -> None:
    state = _state(RuleSpec("shell"))
    _session(state, "a", capacity=4)
    state.add_task("c", TaskInput("shell", enqueued_ms=100, priority=1))
    state.add_task("b", TaskInput("shell", enqueued_ms=100, priority=1))
    state.add_task("old", TaskInput("shell", enqueued_ms=50, priority=1))
    state.add_task("urgent", TaskInput("shell", enqueued_ms=900, priority=5))
    state.add_task("low", TaskInput("shell", enqueued_ms=0, priority=0))
    assert impl.match(state, 1000).task_ids == ["urgent", "old", "b", "c"]


@IMPLS
def test_required_labels_with_preferred_sessions(impl: ModuleType) -> None:
    state = _state(RuleSpec("gpu", required_labels=("gpu",), preferred_sessions=("fav",)))
    _session(state, "fav", labels=["cpu"])  # preferred, but lacks the required label
    _session(state, "other", labels=["gpu"], last_assigned_ms=500)
    _session(state, "idle", labels=["cpu"])
    state.add_task("t", TaskInput("gpu", enqueued_ms=0))
    assert _pairs(impl.match(state, 1000)) == [("t", "other")]
    _session(state, "fav", labels=["gpu", "cpu"], last_assigned_ms=900)
    # Eligible now: the preferred session wins although it was assigned more recently.
    assert _pairs(impl.match(state, 1000)) == [("t", "fav")]


@IMPLS
def test_exclusions_with_preferred_sessions(impl: ModuleType) -> None:
    rule = RuleSpec("audit", preferred_sessions=("p1", "p2"), excluded_sessions=("p1",))
    state = _state(rule, global_excluded=("p2",))
    _session(state, "p1")
    _session(state, "p2")
    _session(state, "plain", last_assigned_ms=999)
    state.add_task("t", TaskInput("audit", enqueued_ms=0))
    # Both preferred sessions are excluded (by the rule, globally); the fallback takes "plain".
    assert _pairs(impl.match(state, 1000)) == [("t", "plain")]


@IMPLS
def test_hold_then_fallback_at_its_boundary(impl: ModuleType) -> None:
    for fallback, at_boundary in [
        (Fallback.ANY_ELIGIBLE, ([("t", "other")], [], None)),
        (Fallback.WAIT, ([], [], None)),
        (Fallback.FAIL, ([], ["t"], None)),
    ]:
        rule = RuleSpec(
            "x", preferred_sessions=("fav",), hold_for_preferred_s=10, fallback=fallback
        )
        state = _state(rule)
        _session(state, "fav", active=1)  # preferred but full
        _session(state, "other")
        state.add_task("t", TaskInput("x", enqueued_ms=5_000))
        before = impl.match(state, 14_999)
        assert (_pairs(before), before.failed, before.wake_at_ms) == ([], [], 15_000)
        at = impl.match(state, 15_000)
        assert (_pairs(at), at.failed, at.wake_at_ms) == at_boundary, fallback
        # A preferred session freeing up during the hold takes the task.
        state.set_session_load("fav", active=0)
        assert _pairs(impl.match(state, 14_999)) == [("t", "fav")]


@IMPLS
def test_aging_overtakes_a_stream_of_high_priority_work(impl: ModuleType) -> None:
    state = _state(RuleSpec("job", aging_points_per_s=1))
    _session(state, "only")
    state.add_task("low", TaskInput("job", enqueued_ms=0, priority=0))
    winners = []
    for second in range(1, 30):
        now = second * 1000
        state.add_task(f"high-{second}", TaskInput("job", enqueued_ms=now, priority=10))
        decisions = impl.match(state, now)
        state.apply(decisions, now)
        winners.append(decisions.task_ids[0])
        state.set_session_load("only", active=0)  # it finished the task within the second
    # "low" ages 1 point/s; fresh high-priority work is worth 10 points. At 10 s they tie
    # and the older task wins.
    assert winners.index("low") == 9
    assert winners[:9] == [f"high-{s}" for s in range(1, 10)]


@IMPLS
def test_aging_cap_keeps_low_priority_below_the_cap(impl: ModuleType) -> None:
    state = _state(RuleSpec("job", aging_points_per_s=1, aging_cap_points=5))
    _session(state, "only")
    state.add_task("low", TaskInput("job", enqueued_ms=0, priority=0))
    state.add_task("high", TaskInput("job", enqueued_ms=999_000, priority=6))
    assert impl.match(state, 1_000_000).task_ids == ["high"]
    state.add_task("mid", TaskInput("job", enqueued_ms=999_000, priority=4))
    state.remove_task("high")
    assert impl.match(state, 1_000_000).task_ids == ["low"]  # 0 + 5 (capped) ties 4 + 1; older wins


@IMPLS
def test_retry_elsewhere_excludes_the_failed_session(impl: ModuleType) -> None:
    for retry_elsewhere, expected in [(True, "b"), (False, "a")]:
        state = _state(RuleSpec("x", retry_elsewhere=retry_elsewhere))
        _session(state, "a", last_assigned_ms=0)
        _session(state, "b", last_assigned_ms=500)
        state.add_task("t", TaskInput("x", enqueued_ms=0, failed_session_id="a"))
        assert _pairs(impl.match(state, 1000)) == [("t", expected)]


@IMPLS
def test_capacity_above_one_spreads_by_least_recently_assigned(impl: ModuleType) -> None:
    state = _state(RuleSpec("x"))
    _session(state, "a", capacity=3, active=1, last_assigned_ms=0)
    _session(state, "b", capacity=2, last_assigned_ms=100)
    for i in range(6):
        state.add_task(f"t{i}", TaskInput("x", enqueued_ms=i))
    decisions = impl.match(state, 1000)
    # a (oldest) first, then b; both now at 1000, so ids break the tie: a, b, a.
    assert _pairs(decisions) == [("t0", "a"), ("t1", "b"), ("t2", "a"), ("t3", "b")]
    state.apply(decisions, 1000)
    assert state.s_active[state.session_slot["a"]] == 3
    assert sorted(state.task_slot) == ["t4", "t5"]
    assert impl.match(state, 1001).task_ids == []


@IMPLS
def test_no_capacity_still_fails_and_holds(impl: ModuleType) -> None:
    state = _state(
        RuleSpec("f", preferred_sessions=("x",), fallback=Fallback.FAIL),
        RuleSpec("h", preferred_sessions=("x",), hold_for_preferred_s=60),
        RuleSpec("w"),
    )
    _session(state, "busy", active=1)
    state.add_task("wait", TaskInput("w", enqueued_ms=0, priority=9))
    state.add_task("fail-late", TaskInput("f", enqueued_ms=0, priority=-1))
    state.add_task("fail-early", TaskInput("f", enqueued_ms=0, priority=1))
    state.add_task("held", TaskInput("h", enqueued_ms=1000))
    state.add_task("orphan", TaskInput("nope", enqueued_ms=0))
    d = impl.match(state, 2000)
    assert (d.task_ids, d.failed, d.wake_at_ms) == (
        [],
        ["fail-early", "orphan", "fail-late"],
        61_000,
    )


@IMPLS
def test_pass_stops_taking_when_capacity_runs_out(impl: ModuleType) -> None:
    state = _state(RuleSpec("x", preferred_sessions=("gone",), fallback=Fallback.FAIL))
    _session(state, "s", capacity=1)
    state.add_task("pref", TaskInput("x", enqueued_ms=0, preferred_sessions=("s",), priority=5))
    state.add_task("other", TaskInput("x", enqueued_ms=0))
    d = impl.match(state, 10)
    assert (_pairs(d), d.failed) == ([("pref", "s")], ["other"])


@IMPLS
def test_task_preferences_replace_the_rules(impl: ModuleType) -> None:
    state = _state(RuleSpec("x", preferred_sessions=("r",), hold_for_preferred_s=60))
    _session(state, "r")
    _session(state, "t", last_assigned_ms=100)
    state.add_task("mine", TaskInput("x", enqueued_ms=0, preferred_sessions=("t",)))
    state.add_task("rules", TaskInput("x", enqueued_ms=1))
    assert _pairs(impl.match(state, 5)) == [("mine", "t"), ("rules", "r")]


@IMPLS
def test_provider_and_state_filters(impl: ModuleType) -> None:
    state = _state(RuleSpec("x", allowed_providers=("codex",)))
    _session(state, "claude-1", provider="claude")
    _session(state, "codex-busy", provider="codex", accepting=False)
    _session(state, "codex-ok", provider="codex", last_assigned_ms=50)
    state.add_task("t", TaskInput("x", enqueued_ms=0))
    assert _pairs(impl.match(state, 100)) == [("t", "codex-ok")]


@IMPLS
def test_same_input_same_assignments_whatever_the_insertion_order(impl: ModuleType) -> None:
    def build(reverse: bool) -> MatcherState:
        state = _state(RuleSpec("x", required_labels=("l",)))
        names = ["s3", "s1", "s2", "s0"]
        for name in reversed(names) if reverse else names:
            _session(state, name, labels=["l"], capacity=2)
        ids = [f"t{i}" for i in range(10)]
        for tid in reversed(ids) if reverse else ids:
            state.add_task(tid, TaskInput("x", enqueued_ms=7, priority=int(tid[1]) % 3))
        return state

    first = impl.match(build(False), 100)
    assert len(first.task_ids) == 8
    assert impl.match(build(True), 100) == first == impl.match(build(False), 100)
