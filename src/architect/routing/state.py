"""The matcher's in-memory picture of the fleet and the queue, updated incrementally.

The routing service owns one :class:`MatcherState`. It calls the builder
methods as things happen (a session registers, a task is submitted, a result
frees capacity, the config reloads) and runs a pass when work or capacity
appears. Everything a pass needs that depends on names (which sessions a rule
prefers or excludes, label and provider bit sets) is resolved here, when a
session joins or the rules change, never during a pass.

Storage is one slot per session and per task in parallel arrays; both matcher
implementations read them directly. Label and provider sets are Python ints
used as bit sets, so there is no limit on how many distinct labels exist; the
compiled matcher only tests them when its index is (re)built, not per pass.

Slots of removed tasks and sessions are reused. Each task slot carries a
serial number that changes on reuse, so indexes built over slots can tell a
stale entry from a live one.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from architect.errors import InvalidArgument, NotFound
from architect.routing.decisions import Decisions
from architect.routing.tables import (
    MAX_PRIORITY,
    MAX_TIME_MS,
    MIN_PRIORITY,
    CompiledRule,
    RuleTable,
)

#: Provider mask meaning "every provider" (all bits set).
ALL_PROVIDERS = -1


def _check_time(what: str, ms: int) -> None:
    if not 0 <= ms < MAX_TIME_MS:
        raise InvalidArgument(f"{what} = {ms} ms is outside [0, 2**42)")


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task as the matcher needs it; also the shape of a hypothetical task for explain."""

    task_type: str
    enqueued_ms: int
    priority: int | None = None
    required_labels: tuple[str, ...] = ()
    #: Task-level preferred session names; non-empty replaces the rule's.
    preferred_sessions: tuple[str, ...] = ()
    #: Id of the session whose attempt just failed (excluded when the rule retries elsewhere).
    failed_session_id: str | None = None
    task_id: str = ""


class MatcherState:
    """Sessions and pending tasks in compact slots, plus the bound :class:`RuleTable`."""

    def __init__(self, rules: RuleTable) -> None:
        # Interned universes; they only grow.
        self.label_bits: dict[str, int] = {}
        self.label_names: list[str] = []
        self.provider_bits: dict[str, int] = {}
        # Sessions, by slot.
        self.s_id: list[str] = []
        self.s_name: list[str] = []
        self.s_labels: list[int] = []
        self.s_provider: array[int] = array("i")
        self.s_capacity: array[int] = array("i")
        self.s_active: array[int] = array("i")
        self.s_accepting: array[int] = array("b")
        self.s_lra: array[int] = array("q")
        self.s_live: array[int] = array("b")
        self.s_pref_rules: list[int] = []
        self.s_excl_rules: list[int] = []
        self.s_global_excl: array[int] = array("b")
        self.session_slot: dict[str, int] = {}
        self.name_slot: dict[str, int] = {}
        self._free_sessions: list[int] = []
        # Tasks, by slot.
        self.t_id: list[str] = []
        self.t_type: list[str] = []
        self.t_rule: array[int] = array("i")
        self.t_priority_given: list[int | None] = []
        self.t_priority: array[int] = array("q")
        self.t_enq: array[int] = array("q")
        self.t_own_labels: list[int] = []
        self.t_req: list[int] = []
        self.t_pref: list[frozenset[str] | None] = []
        self.t_failed: list[str | None] = []
        self.t_live: array[int] = array("b")
        self.t_serial: array[int] = array("q")
        self.task_slot: dict[str, int] = {}
        self._free_tasks: list[int] = []
        self._next_serial = 1
        #: Slots added since the compiled index last looked (it empties this list).
        self.new_task_slots: list[int] = []
        #: (slot, serial) of tasks removed since then; kept only while that index exists.
        self.removed_task_slots: list[tuple[int, int]] = []
        #: Bumped when sessions join, leave or change labels/provider/name.
        self.fleet_version = 0
        #: Bumped when the rules change (tasks' rules, priorities and labels are re-resolved).
        self.rules_version = 0
        #: Cache for the compiled matcher; opaque to everything else.
        self.native_index: object = None
        self.rule_req: list[int] = []
        self.rule_providers: list[int] = []
        self._rules = rules
        self._bind(rules)

    # ----------------------------------------------------------------- rules

    @property
    def rules(self) -> RuleTable:
        """The bound rule table."""
        return self._rules

    def set_rules(self, rules: RuleTable) -> None:
        """Bind a new config version: re-resolve every rule-dependent bit once.

        A version whose rules are the same as the bound ones (an SLA or query edit changes
        the config version but not routing) only swaps the table: re-resolving, and the
        compiled index rebuild it triggers, costs seconds with 100,000 pending tasks.
        """
        if dataclasses.replace(rules, version=self._rules.version) == self._rules:
            self._rules = rules
            return
        self._bind(rules)

    def _bind(self, rules: RuleTable) -> None:
        self._rules = rules
        self.rule_req = [self.encode_labels(r.required_labels) for r in rules.rules]
        self.rule_providers = [self._provider_mask(r) for r in rules.rules]
        for slot in range(len(self.s_id)):
            if self.s_live[slot]:
                self._resolve_session(slot)
        for slot in range(len(self.t_id)):
            if self.t_live[slot]:
                self._resolve_task(slot)
        self.rules_version += 1
        self.fleet_version += 1

    def _provider_mask(self, rule: CompiledRule) -> int:
        if rule.allowed_providers is None:
            return ALL_PROVIDERS
        mask = 0
        for p in rule.allowed_providers:
            mask |= 1 << self._intern_provider(p)
        return mask

    def _intern_provider(self, provider: str) -> int:
        return self.provider_bits.setdefault(provider, len(self.provider_bits))

    def encode_labels(self, labels: Iterable[str]) -> int:
        """Bit set of ``labels``, interning new ones."""
        mask = 0
        for label in labels:
            bit = self.label_bits.get(label)
            if bit is None:
                bit = self.label_bits[label] = len(self.label_names)
                self.label_names.append(label)
            mask |= 1 << bit
        return mask

    def decode_labels(self, mask: int) -> list[str]:
        """Label names of a bit set, sorted."""
        return sorted(n for i, n in enumerate(self.label_names) if mask >> i & 1)

    def rule_of(self, task_slot: int) -> CompiledRule | None:
        """The rule of the task in ``task_slot`` (None: no rule, the task fails)."""
        idx = self.t_rule[task_slot]
        return None if idx < 0 else self._rules.rules[idx]

    # -------------------------------------------------------------- sessions

    def upsert_session(
        self,
        session_id: str,
        *,
        name: str,
        provider: str,
        labels: Iterable[str] = (),
        capacity: int = 1,
        active: int = 0,
        accepting: bool = True,
        last_assigned_ms: int = 0,
    ) -> None:
        """Add a session, or replace everything about an existing one."""
        _check_time("last_assigned_ms", last_assigned_ms)
        if capacity < 0 or active < 0:
            raise InvalidArgument("session capacity and active count must not be negative")
        other = self.name_slot.get(name)
        if other is not None and self.s_id[other] != session_id:
            raise InvalidArgument(f"session name {name!r} belongs to {self.s_id[other]!r}")
        slot = self.session_slot.get(session_id)
        if slot is None:
            slot = self._free_sessions.pop() if self._free_sessions else self._grow_sessions()
            self.session_slot[session_id] = slot
        else:
            del self.name_slot[self.s_name[slot]]
        self.name_slot[name] = slot
        self.s_id[slot] = session_id
        self.s_name[slot] = name
        self.s_labels[slot] = self.encode_labels(labels)
        self.s_provider[slot] = self._intern_provider(provider)
        self.s_capacity[slot] = capacity
        self.s_active[slot] = active
        self.s_accepting[slot] = accepting
        self.s_lra[slot] = last_assigned_ms
        self.s_live[slot] = 1
        self._resolve_session(slot)
        self.fleet_version += 1

    def _grow_sessions(self) -> int:
        self.s_id.append("")
        self.s_name.append("")
        self.s_labels.append(0)
        self.s_provider.append(0)
        self.s_capacity.append(0)
        self.s_active.append(0)
        self.s_accepting.append(0)
        self.s_lra.append(0)
        self.s_live.append(0)
        self.s_pref_rules.append(0)
        self.s_excl_rules.append(0)
        self.s_global_excl.append(0)
        return len(self.s_id) - 1

    def _resolve_session(self, slot: int) -> None:
        name = self.s_name[slot]
        pref = excl = 0
        for rule in self._rules.rules:
            if name in rule.preferred:
                pref |= 1 << rule.index
            if name in rule.excluded:
                excl |= 1 << rule.index
        self.s_pref_rules[slot] = pref
        self.s_excl_rules[slot] = excl
        self.s_global_excl[slot] = name in self._rules.global_excluded

    def set_session_load(
        self,
        session_id: str,
        *,
        active: int | None = None,
        accepting: bool | None = None,
        last_assigned_ms: int | None = None,
    ) -> None:
        """Update the fields that change often (no index rebuild needed)."""
        slot = self._session(session_id)
        if active is not None:
            if active < 0:
                raise InvalidArgument("active count must not be negative")
            self.s_active[slot] = active
        if accepting is not None:
            self.s_accepting[slot] = accepting
        if last_assigned_ms is not None:
            _check_time("last_assigned_ms", last_assigned_ms)
            self.s_lra[slot] = last_assigned_ms

    def remove_session(self, session_id: str) -> None:
        """Forget a session (it went OFFLINE or deregistered)."""
        slot = self._session(session_id)
        del self.session_slot[session_id]
        del self.name_slot[self.s_name[slot]]
        self.s_live[slot] = 0
        self.s_capacity[slot] = 0
        self.s_accepting[slot] = 0
        self._free_sessions.append(slot)
        self.fleet_version += 1

    def _session(self, session_id: str) -> int:
        slot = self.session_slot.get(session_id)
        if slot is None:
            raise NotFound(f"session {session_id!r} is not known to the matcher")
        return slot

    def live_sessions(self) -> list[int]:
        """Slots of all live sessions."""
        return [s for s in range(len(self.s_id)) if self.s_live[s]]

    def free_capacity(self, slot: int) -> int:
        """Tasks the session could take now (0 when not accepting)."""
        if not (self.s_live[slot] and self.s_accepting[slot]):
            return 0
        return max(self.s_capacity[slot] - self.s_active[slot], 0)

    # ----------------------------------------------------------------- tasks

    def add_task(self, task_id: str, task: TaskInput) -> None:
        """Add a pending task. ``task.task_id`` is ignored; ``task_id`` names it."""
        if task_id in self.task_slot:
            raise InvalidArgument(f"task {task_id!r} is already pending in the matcher")
        _check_time("enqueued_ms", task.enqueued_ms)
        if task.priority is not None and not MIN_PRIORITY <= task.priority <= MAX_PRIORITY:
            raise InvalidArgument(f"task {task_id!r}: priority is not an int32")
        slot = self._free_tasks.pop() if self._free_tasks else self._grow_tasks()
        self.task_slot[task_id] = slot
        self.t_id[slot] = task_id
        self.t_type[slot] = task.task_type
        self.t_priority_given[slot] = task.priority
        self.t_enq[slot] = task.enqueued_ms
        self.t_own_labels[slot] = self.encode_labels(task.required_labels)
        self.t_pref[slot] = frozenset(task.preferred_sessions) or None
        self.t_failed[slot] = task.failed_session_id
        self.t_live[slot] = 1
        self.t_serial[slot] = self._next_serial
        self._next_serial += 1
        self._resolve_task(slot)
        self.new_task_slots.append(slot)

    def _grow_tasks(self) -> int:
        self.t_id.append("")
        self.t_type.append("")
        self.t_rule.append(-1)
        self.t_priority_given.append(None)
        self.t_priority.append(0)
        self.t_enq.append(0)
        self.t_own_labels.append(0)
        self.t_req.append(0)
        self.t_pref.append(None)
        self.t_failed.append(None)
        self.t_live.append(0)
        self.t_serial.append(0)
        return len(self.t_id) - 1

    def _resolve_task(self, slot: int) -> None:
        rule = self._rules.rule_for(self.t_type[slot])
        given = self.t_priority_given[slot]
        if rule is None:
            self.t_rule[slot] = -1
            self.t_priority[slot] = 0 if given is None else given
            self.t_req[slot] = self.t_own_labels[slot]
            return
        self.t_rule[slot] = rule.index
        self.t_priority[slot] = rule.default_priority if given is None else given
        self.t_req[slot] = self.t_own_labels[slot] | self.rule_req[rule.index]

    def remove_task(self, task_id: str) -> bool:
        """Drop a pending task (assigned elsewhere, cancelled, failed); False if unknown."""
        slot = self.task_slot.pop(task_id, None)
        if slot is None:
            return False
        self.t_live[slot] = 0
        self.t_pref[slot] = None
        self._free_tasks.append(slot)
        if self.native_index is not None:
            self.removed_task_slots.append((slot, self.t_serial[slot]))
        return True

    def live_tasks(self) -> list[int]:
        """Slots of all pending tasks."""
        return [t for t in range(len(self.t_id)) if self.t_live[t]]

    # ----------------------------------------------------------------- apply

    def apply(self, decisions: Decisions, now_ms: int) -> None:
        """Commit a pass: assigned and failed tasks leave the queue, sessions fill up.

        Call it after the decisions are persisted. Tasks or sessions removed in
        between are skipped.
        """
        _check_time("now_ms", now_ms)
        for task_id, session_id in zip(decisions.task_ids, decisions.session_ids, strict=True):
            slot = self.session_slot.get(session_id)
            if slot is None or not self.remove_task(task_id):
                continue
            self.s_active[slot] += 1
            self.s_lra[slot] = now_ms
        for task_id in decisions.failed:
            self.remove_task(task_id)
