"""The matcher the rest of Architect calls: compiled when built, else the reference.

``architect._native.matcher`` is ``architect._matcher`` (Cython) unless
``ARCHITECT_PURE_PYTHON=1`` or the extension is missing, in which case it is
:mod:`architect.routing.matcher_py`. Both expose ``match(state, now_ms)``.

Typical use by the routing service::

    rules = compile_rules(specs, version=config.version)
    state = MatcherState(rules)                  # once; then incremental updates:
    state.upsert_session(sid, name=..., provider=..., labels=..., capacity=...)
    state.add_task(tid, TaskInput(task_type=..., enqueued_ms=...))
    decisions = match(state, now_ms)             # when work or capacity appears
    ...persist decisions...
    state.apply(decisions, now_ms)
    # wake up again at decisions.wake_at_ms if it is set (a hold ends then)
"""

from __future__ import annotations

from architect import _native
from architect.routing.decisions import Decisions
from architect.routing.state import MatcherState


def match(state: MatcherState, now_ms: int) -> Decisions:
    """Run one pass with the selected implementation; the state is not changed."""
    result: Decisions = _native.matcher.match(state, now_ms)
    return result
