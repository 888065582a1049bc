"""Request validation for RoutingService: API messages in, store records out.

Every check names the field a person must fix (``tasks[3].type``). Limits follow
the comments in protos/architect/v1/routing.proto.
"""

from __future__ import annotations

import re
import uuid

from architect import errors
from architect.routing import convert
from architect.routing.policy import RoutingPolicy
from architect.store.records import NewSession, NewTask
from architect.v1 import routing_pb2

MAX_BATCH = 1000
MAX_DRY_RUN = 100
MAX_PAYLOAD_BYTES = 1 << 20
MAX_LABELS = 64
MAX_METADATA = 64
MAX_KEY_LEN = 256
_LABEL = re.compile(r"^[!-~]{1,63}$")  # printable ASCII, no whitespace
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def task_id(value: str, field: str = "task_id") -> str:
    """A canonical task id, or INVALID_ARGUMENT."""
    return _uuid(value, field)


def session_id(value: str, field: str = "session_id") -> str:
    """A canonical session id, or INVALID_ARGUMENT."""
    return _uuid(value, field)


def _uuid(value: str, field: str) -> str:
    if not value:
        raise errors.InvalidArgument(f"{field} is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.InvalidArgument(f"{field} {value!r} is not a valid id (a UUID)") from None


def attempt(value: int, field: str = "attempt") -> int:
    if value < 1:
        raise errors.InvalidArgument(f"{field} must be the assignment's attempt number (>= 1)")
    return value


def _labels(values: list[str], field: str) -> tuple[str, ...]:
    if len(values) > MAX_LABELS:
        raise errors.InvalidArgument(f"{field}: at most {MAX_LABELS} entries, got {len(values)}")
    for i, label in enumerate(values):
        if not _LABEL.match(label):
            raise errors.InvalidArgument(
                f"{field}[{i}] {label!r} must be 1-63 printable ASCII characters without spaces"
            )
    return tuple(dict.fromkeys(values))


def _metadata(values: dict[str, str], field: str) -> dict[str, str]:
    if len(values) > MAX_METADATA:
        raise errors.InvalidArgument(f"{field}: at most {MAX_METADATA} entries")
    for k, v in values.items():
        if not 1 <= len(k) <= 63:
            raise errors.InvalidArgument(f"{field}: key {k[:70]!r} must have 1-63 characters")
        if len(v) > 1024:
            raise errors.InvalidArgument(f"{field}[{k!r}]: value longer than 1,024 characters")
    return dict(values)


def task_spec(spec: routing_pb2.TaskSpec, policy: RoutingPolicy, field: str) -> NewTask:
    """A new task from a spec, with the routing rule's defaults filled in."""
    if not spec.type:
        raise errors.InvalidArgument(f"{field}.type is required")
    if not policy.knows(spec.type):
        known = ", ".join(sorted(policy.rules.type_index)) or "none"
        raise errors.InvalidArgument(
            f"{field}.type {spec.type!r} has no routing rule in config version "
            f"{policy.version}; known types: {known}"
        )
    if spec.payload.ByteSize() > MAX_PAYLOAD_BYTES:
        raise errors.InvalidArgument(f"{field}.payload is larger than 1 MiB")
    if len(spec.idempotency_key) > MAX_KEY_LEN:
        raise errors.InvalidArgument(f"{field}.idempotency_key is longer than 256 characters")
    type_policy = policy.for_type(spec.type)
    max_attempts = type_policy.max_attempts
    if spec.HasField("max_attempts"):
        if not 1 <= spec.max_attempts <= 100:
            raise errors.InvalidArgument(f"{field}.max_attempts must be between 1 and 100")
        max_attempts = spec.max_attempts
    rule = policy.rules.rule_for(spec.type)
    priority = spec.priority if spec.HasField("priority") else rule.default_priority  # type: ignore[union-attr]
    preferred = _labels(list(spec.preferred_sessions), f"{field}.preferred_sessions")
    return NewTask(
        type=spec.type,
        payload=convert.from_struct(spec.payload),
        priority=priority,
        required_labels=_labels(list(spec.required_labels), f"{field}.required_labels"),
        preferred_sessions=preferred,
        idempotency_key=spec.idempotency_key or None,
        max_attempts=max_attempts,
        config_version=policy.version,
        metadata=_metadata(dict(spec.metadata), f"{field}.metadata"),
    )


def task_specs(
    specs: list[routing_pb2.TaskSpec], policy: RoutingPolicy, limit: int = MAX_BATCH
) -> list[NewTask]:
    """A batch of specs; all are valid or INVALID_ARGUMENT names the first bad one."""
    if not specs:
        raise errors.InvalidArgument("tasks: at least one task spec is required")
    if len(specs) > limit:
        raise errors.InvalidArgument(f"tasks: at most {limit} specs per call, got {len(specs)}")
    out = [task_spec(s, policy, f"tasks[{i}]") for i, s in enumerate(specs)]
    seen: dict[str, int] = {}
    for i, t in enumerate(out):
        if t.idempotency_key is None:
            continue
        if t.idempotency_key in seen:
            raise errors.InvalidArgument(
                f"tasks[{i}].idempotency_key repeats tasks[{seen[t.idempotency_key]}]'s"
            )
        seen[t.idempotency_key] = i
    return out


def same_spec(new: NewTask, stored_type: str, stored_payload: object) -> bool:
    """Whether a resubmission with an existing idempotency key asks for the same task."""
    return new.type == stored_type and new.payload == stored_payload


def register(req: routing_pb2.RegisterSessionRequest) -> NewSession:
    """A session registration."""
    if not _NAME.match(req.name):
        raise errors.InvalidArgument(
            "name must be 1-128 characters: letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit"
        )
    if not req.provider or not _LABEL.match(req.provider):
        raise errors.InvalidArgument("provider is required (e.g. claude, codex, gemini)")
    capacity = req.capacity or 1
    if not 1 <= capacity <= 1000:
        raise errors.InvalidArgument("capacity must be between 1 and 1,000 (0 means 1)")
    return NewSession(
        name=req.name,
        provider=req.provider,
        labels=_labels(list(req.labels), "labels"),
        capacity=capacity,
        metadata=_metadata(dict(req.metadata), "metadata"),
    )
