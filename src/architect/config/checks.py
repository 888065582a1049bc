"""Checks across keys and files that a per-file model cannot express.

References to unknown task types, providers, channels, indexes, steps and
workflow inputs; cycles in workflow steps; duplicate names in lists; query SQL
that is not one read-only statement or whose placeholders and parameters differ;
indexes on tables or columns the store does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from architect.config import sqltext
from architect.config.errors import ConfigError
from architect.config.merge import KeyPath
from architect.config.model import Origin
from architect.config.queries import QueryCatalog
from architect.config.routing import RoutingRules
from architect.config.sla import EscalationStep, SlaRules
from architect.config.validate import error_at
from architect.config.workflows import Workflow, WorkflowCatalog

#: Tables and columns of the store (docs: the schema contract). Indexes may only name these.
TABLES: dict[str, frozenset[str]] = {
    name: frozenset(cols.split())
    for name, cols in {
        "sessions": "id name provider labels capacity state metadata last_heartbeat "
        "registered_at updated_at",
        "tasks": "id type payload priority required_labels preferred_sessions idempotency_key "
        "status attempt max_attempts session_id result error workflow_id workflow_step "
        "config_version metadata created_at updated_at enqueued_at started_at finished_at",
        "assignments": "id task_id session_id attempt status assigned_at lease_expires_at "
        "started_at finished_at config_version",
        "task_events": "id task_id event from_status to_status session_id attempt detail "
        "config_version created_at",
        "sla_events": "id task_id task_type kind level channel message config_version occurred_at",
        "workflows": "id name status inputs outputs error idempotency_key config_version "
        "created_at updated_at finished_at",
        "workflow_steps": "workflow_id name task_id status attempt",
    }.items()
}

_REF = re.compile(r"\$\{([^}]*)\}")
_INPUT_REF = re.compile(r"^inputs\.([A-Za-z_]\w*)$")
_STEP_REF = re.compile(r"^steps\.([A-Za-z_]\w*)\.result(?:\.[A-Za-z0-9_-]+)*$")


@dataclass
class Checker:
    """Collects cross-reference errors for one merged configuration."""

    origins: Mapping[KeyPath, Origin]
    errors: list[ConfigError] = field(default_factory=list)

    def error(self, path: KeyPath, message: str) -> None:
        self.errors.append(error_at(self.origins, path, message, f"base/{path[0]}.yaml"))

    def unknown(self, path: KeyPath, what: str, name: str, known: Any) -> None:
        options = ", ".join(sorted(known)) or "none defined"
        self.error(path, f"unknown {what} {name!r} (known: {options})")


def check_all(
    origins: Mapping[KeyPath, Origin],
    task_types: set[str] | None,
    routing: RoutingRules | None,
    sla: SlaRules | None,
    queries: QueryCatalog | None,
    workflows: WorkflowCatalog | None,
) -> list[ConfigError]:
    """Every cross-reference problem. A section that failed its own validation is skipped;
    ``task_types`` are the names under routing_rules' task_types even when that file failed,
    so references to them are still checked (None when even the names are unreadable)."""
    c = Checker(origins)
    if routing is not None:
        _routing(c, routing)
    if sla is not None:
        _sla(c, sla, task_types)
    if queries is not None:
        _queries(c, queries)
    if workflows is not None:
        _workflows(c, workflows, task_types)
    return c.errors


def _duplicates(values: list[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield i, value
        seen.add(value)


def _routing(c: Checker, r: RoutingRules) -> None:
    root: KeyPath = ("routing_rules",)
    for i, name in _duplicates([e.session for e in r.session_exclusions]):
        c.error((*root, "session_exclusions", i, "session"), f"duplicate exclusion of {name!r}")
    for name, rule in r.task_types.items():
        here = (*root, "task_types", name)
        for i, provider in enumerate(rule.allowed_providers):
            if provider not in r.providers:
                c.unknown((*here, "allowed_providers", i), "provider", provider, r.providers)
        route = r.route(name)
        if route.hold_for_preferred > route.schedule_to_start:
            c.error(
                (*here, "hold_for_preferred"),
                f"hold_for_preferred ({route.hold_for_preferred}) must not exceed "
                f"schedule_to_start ({route.schedule_to_start}): the task would time out first",
            )
        if route.retry.backoff.initial > route.retry.backoff.max:
            c.error((*here, "retry"), "retry backoff initial delay exceeds its max")


def _sla(c: Checker, s: SlaRules, task_types: set[str] | None) -> None:
    root: KeyPath = ("sla_rules",)

    def channels(path: KeyPath, names: tuple[str, ...] | None) -> None:
        for i, name in enumerate(names or ()):
            if name not in s.channels:
                c.unknown((*path, i), "notification channel", name, s.channels)

    def escalation(path: KeyPath, steps: tuple[EscalationStep, ...] | None) -> None:
        last_level = 0
        for i, step in enumerate(steps or ()):
            channels((*path, i, "channels"), step.channels)
            if step.level <= last_level:
                c.error(
                    (*path, i, "level"),
                    f"levels must rise step by step; {step.level} follows {last_level}",
                )
            last_level = step.level

    channels((*root, "defaults", "channels"), s.defaults.channels)
    escalation((*root, "defaults", "escalation"), s.defaults.escalation)
    for name, target in s.sla_targets.items():
        here = (*root, "sla_targets", name)
        if task_types is not None and name not in task_types:
            c.unknown(here, "task type", name, task_types)
        channels((*here, "channels"), target.channels)
        escalation((*here, "escalation"), target.escalation)


def _queries(c: Checker, q: QueryCatalog) -> None:
    root: KeyPath = ("queries",)
    for name, index in q.indexes.items():
        here = (*root, "indexes", name)
        columns = TABLES.get(index.table)
        if columns is None:
            c.unknown((*here, "table"), "table", index.table, TABLES)
            continue
        for i, column in enumerate(index.columns):
            if column not in columns:
                c.unknown((*here, "columns", i), f"column of {index.table}", column, columns)
    for name, tpl in q.queries.items():
        here = (*root, "queries", name)
        for i, index_name in enumerate(tpl.indexes):
            if index_name not in q.indexes:
                c.unknown((*here, "indexes", i), "index", index_name, q.indexes)
        declared = [p.name for p in tpl.params]
        for i, dup in _duplicates(declared):
            c.error((*here, "params", i, "name"), f"duplicate parameter {dup!r}")
        texts: list[tuple[KeyPath, str]] = []
        if tpl.sql is not None:
            texts.append(((*here, "sql"), tpl.sql))
        if tpl.sql_by_dialect is not None:
            for dialect in ("sqlite", "postgres"):
                text = getattr(tpl.sql_by_dialect, dialect)
                if text is not None:
                    texts.append(((*here, "sql_by_dialect", dialect), text))
        used: set[str] = set()
        for path, text in texts:
            problem = sqltext.read_only_problem(text)
            if problem:
                c.error(path, problem)
            found = sqltext.placeholders(text)
            used.update(found)
            for ph in found:
                if ph not in declared:
                    c.error(path, f"placeholder :{ph} has no parameter; declare it in params")
        for i, param in enumerate(tpl.params):
            if param.name not in used:
                c.error(
                    (*here, "params", i, "name"),
                    f"parameter {param.name!r} is not used in the SQL (no :{param.name})",
                )


def _workflows(c: Checker, w: WorkflowCatalog, task_types: set[str] | None) -> None:
    for name, wf in w.workflows.items():
        _workflow(c, ("workflows", "workflows", name), wf, task_types)


def _workflow(c: Checker, here: KeyPath, wf: Workflow, task_types: set[str] | None) -> None:
    index = {step.name: i for i, step in reversed(list(enumerate(wf.steps)))}
    for i, dup in _duplicates([s.name for s in wf.steps]):
        c.error((*here, "steps", i, "name"), f"duplicate step name {dup!r}")
    deps: dict[str, set[str]] = {}
    for i, step in enumerate(wf.steps):
        at = (*here, "steps", i)
        if task_types is not None and step.task_type not in task_types:
            c.unknown((*at, "task_type"), "task type", step.task_type, task_types)
        deps.setdefault(step.name, set())
        for j, dep in enumerate(step.depends_on):
            if dep not in index:
                c.unknown((*at, "depends_on", j), "step", dep, index)
            elif dep == step.name:
                c.error((*at, "depends_on", j), "a step cannot depend on itself")
            else:
                deps[step.name].add(dep)
    cyclic = _cycles(c, here, deps, index)
    for i, step in enumerate(wf.steps):
        ancestors = set() if step.name in cyclic else _ancestors(step.name, deps)
        for path, ref in _refs(step.inputs, (*here, "steps", i, "inputs")):
            _check_ref(c, path, ref, wf, ancestors, index)
    for key, value in wf.outputs.items():
        for path, ref in _refs(value, (*here, "outputs", key)):
            _check_ref(c, path, ref, wf, set(index), index)


def _cycles(
    c: Checker, here: KeyPath, deps: dict[str, set[str]], index: dict[str, int]
) -> set[str]:
    """Report each dependency cycle once; return the steps on cycles."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    on_cycle: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(deps.get(node, ())):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                on_cycle.update(cycle)
                c.error(
                    (*here, "steps", index[dep], "depends_on"),
                    "dependency cycle: " + " -> ".join(reversed(cycle)),
                )
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(deps, key=index.__getitem__):
        if node not in state:
            visit(node)
    return on_cycle


def _ancestors(name: str, deps: dict[str, set[str]]) -> set[str]:
    out: set[str] = set()
    todo = list(deps.get(name, ()))
    while todo:
        dep = todo.pop()
        if dep not in out:
            out.add(dep)
            todo.extend(deps.get(dep, ()))
    return out


def _refs(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        for ref in _REF.findall(value):
            yield path, ref.strip()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _refs(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _refs(item, (*path, i))


def _check_ref(
    c: Checker, path: KeyPath, ref: str, wf: Workflow, ancestors: set[str], index: dict[str, int]
) -> None:
    m = _INPUT_REF.match(ref)
    if m:
        if m.group(1) not in wf.inputs:
            c.unknown(path, "workflow input", m.group(1), wf.inputs)
        return
    m = _STEP_REF.match(ref)
    if m:
        step = m.group(1)
        if step not in index:
            c.unknown(path, "step", step, index)
        elif step not in ancestors:
            c.error(
                path,
                f"${{{ref}}} reads step {step!r}, which this step does not depend on; "
                f"add it to depends_on",
            )
        return
    c.error(
        path,
        f"cannot read ${{{ref}}}: expected ${{inputs.NAME}} or ${{steps.STEP.result[.FIELD...]}}",
    )
