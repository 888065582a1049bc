"""One matcher pass: Cython vs the plain-Python reference vs a naive sort-and-scan.

Run::

    .venv/bin/python -m pytest benchmarks/test_matcher_bench.py --benchmark-only

Workloads (``benchmarks/fleets.py``; fixed seed, ``now`` fixed):

* **typical**: 8 labels in 4 session profiles (few classes), 3 providers, 5
  task types; most tasks need 0-1 common labels, so most sessions can take
  most tasks. One type (5 %) prefers every 50th session with a 30 s hold; one
  requires ``prod`` and retries elsewhere; aging 1 point/min, one type capped.
* **sparse**: ``max(300, sessions / 3)`` labels (repositories); each session
  carries 3 at random and each task requires 1, so a task is eligible on
  about 1 % of sessions and most of the queue cannot be placed.

Sessions: 10 % have capacity 2, 20 % are already busy with one task, 5 % are
not accepting. Every pass starts from the same state: a pass does not change
it (decisions are applied separately), and the compiled matcher's index is
brought up to date before timing, as the routing service keeps it between
passes. ``naive`` gets plain dicts and sets and does everything per pass.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from architect import _native
from architect.routing import matcher_py
from benchmarks.fleets import NOW_MS, Workload, build
from benchmarks.naive import naive_pass

SMALL = (10_000, 1_000)
LARGE = (100_000, 10_000)


@cache
def workload(kind: str, size: tuple[int, int]) -> Workload:
    return build(kind, *size)


def _run(
    benchmark: Any,
    figures: dict[str, dict[str, float]],
    key: str,
    impl: str,
    fn: Callable[[], object],
    rounds: int,
) -> object:
    result = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=min(rounds - 1, 1))
    if benchmark.stats is not None:
        figures.setdefault(key, {})[impl] = benchmark.stats.stats.median
    return result


needs_native = pytest.mark.skipif(not _native.NATIVE, reason="compiled matcher not built")


@pytest.mark.parametrize("kind", ["typical", "sparse"])
@pytest.mark.parametrize(
    "impl,rounds", [("cython", 200), ("reference", 3), ("naive", 5)], ids=["cython", "ref", "naive"]
)
def test_pass_10k_tasks_1k_sessions(
    benchmark: Any, figures: Any, kind: str, impl: str, rounds: int
) -> None:
    _bench(benchmark, figures, kind, SMALL, impl, rounds)


@pytest.mark.parametrize("kind", ["typical", "sparse"])
@pytest.mark.parametrize("impl,rounds", [("cython", 30), ("naive", 1)], ids=["cython", "naive"])
def test_pass_100k_tasks_10k_sessions(
    benchmark: Any, figures: Any, kind: str, impl: str, rounds: int
) -> None:
    if impl == "naive" and benchmark.disabled:
        pytest.skip("the naive 100k pass takes tens of seconds; it runs only when timing")
    _bench(benchmark, figures, kind, LARGE, impl, rounds)


def _bench(
    benchmark: Any, figures: Any, kind: str, size: tuple[int, int], impl: str, rounds: int
) -> None:
    w = workload(kind, size)
    key = f"{kind} {size[0] // 1000}k x {size[1] // 1000}k"
    benchmark.group = key
    if impl == "cython":
        if not _native.NATIVE:
            pytest.skip("compiled matcher not built")
        _native.matcher.prepare(w.state)
        result = _run(
            benchmark, figures, key, impl, lambda: _native.matcher.match(w.state, NOW_MS), rounds
        )
        assert result.task_ids  # type: ignore[attr-defined]
    elif impl == "reference":
        result = _run(
            benchmark, figures, key, impl, lambda: matcher_py.match(w.state, NOW_MS), rounds
        )
        if _native.NATIVE:
            assert result == _native.matcher.match(w.state, NOW_MS)
    else:
        pairs = _run(
            benchmark,
            figures,
            key,
            impl,
            lambda: naive_pass(w.specs, w.sessions, w.tasks, NOW_MS),
            rounds,
        )
        # Same contract, so the same amount of work placed (floating-point aging may
        # order exact ties differently, so the pairs themselves are not compared).
        assert len(pairs) == len(_native.matcher.match(w.state, NOW_MS).task_ids)  # type: ignore[arg-type]
