"""The batch planner alone: which operations share a group, and in what order groups run."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from architect.store.batching import Kind, Op, plan_groups, split

INSERT: Kind[Any] = Kind("insert", None)
ASSIGN: Kind[Any] = Kind("assign", None)
ALONE: Kind[Any] = Kind("alone", None, mergeable=False)


def op(kind: Kind[Any], *keys: str) -> Op[Any]:
    return Op(kind, None, frozenset(keys))


def shape(ops: list[Op[Any]]) -> list[tuple[str, list[int]]]:
    return [(g.kind.name, g.members) for g in plan_groups(ops)]


def test_same_kind_merges_across_other_kinds_when_keys_are_disjoint() -> None:
    ops = [op(INSERT, "t1"), op(ASSIGN, "t9"), op(INSERT, "t2"), op(ASSIGN, "t8")]
    assert shape(ops) == [("insert", [0, 2]), ("assign", [1, 3])]


def test_a_dependent_operation_keeps_its_place() -> None:
    # the second insert shares t1 with the assignment it would move past: a new group
    ops = [op(INSERT, "t1"), op(ASSIGN, "t1"), op(INSERT, "t1", "t2"), op(INSERT, "t3")]
    assert shape(ops) == [("insert", [0]), ("assign", [1]), ("insert", [2, 3])]


def test_a_key_repeated_within_a_kind_starts_a_new_group() -> None:
    ops = [op(INSERT, "idem:k"), op(INSERT, "idem:k"), op(INSERT, "t5")]
    assert shape(ops) == [("insert", [0]), ("insert", [1, 2])]


def test_barriers_and_unmergeable_kinds() -> None:
    barrier: Op[Any] = Op(ALONE, None, None)
    ops = [op(INSERT, "a"), op(ALONE, "b"), op(ALONE, "c"), barrier, op(INSERT, "d")]
    assert shape(ops) == [
        ("insert", [0]),
        ("alone", [1]),
        ("alone", [2]),
        ("alone", [3]),
        ("insert", [4]),
    ]


def test_split_cuts_results_back_per_caller() -> None:
    assert split([1, 2, 3, 4], [["a"], [], ["b", "c", "d"]]) == [[1], [], [2, 3, 4]]


kinds = st.sampled_from([INSERT, ASSIGN, ALONE])
ops_strategy = st.lists(
    st.tuples(kinds, st.sets(st.sampled_from("abcdef"), max_size=2), st.booleans()),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(ops_strategy)
def test_every_pair_of_dependent_operations_keeps_its_order(spec: list[Any]) -> None:
    """The run order (groups in order, members in order) keeps every pair of operations that
    share a key, or involve a barrier, in queue order; each operation runs exactly once."""
    ops = [Op(k, None, None if barrier else frozenset(keys)) for k, keys, barrier in spec]
    order = [i for g in plan_groups(ops) for i in g.members]
    assert sorted(order) == list(range(len(ops)))
    position = {i: p for p, i in enumerate(order)}
    for i, j in itertools.combinations(range(len(ops)), 2):
        a, b = ops[i].keys, ops[j].keys
        if a is None or b is None or not a.isdisjoint(b):
            assert position[i] < position[j]
    for g in plan_groups(ops):
        assert all(ops[i].kind is g.kind for i in g.members)
        assert g.kind.mergeable or len(g.members) == 1
