"""Building blocks shared by the config models: the frozen base model, durations, names.

Every model is frozen (a loaded config can be shared by concurrent calls without
copying) and forbids unknown keys (a misspelt key is an error, not a silently
ignored setting). Field descriptions are written for the operator: they become
the ``description`` of each property in the JSON Schema that editors show.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, StringConstraints
from pydantic.json_schema import WithJsonSchema


class FrozenModel(BaseModel):
    """Base of every config model: immutable, unknown keys rejected, docstrings in the schema."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
    )


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_RE = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
_PART_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
DURATION_PATTERN = _DURATION_RE.pattern


def parse_duration(value: Any) -> Any:
    """``"90s"``, ``"5m"``, ``"1h30m"``, ``"250ms"`` or integer seconds, to a ``timedelta``."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 5m or 2h, or whole seconds")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"expected a duration of at least 0 seconds, got {value}")
        return timedelta(seconds=value)
    if isinstance(value, str) and _DURATION_RE.match(value.strip()):
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART_RE.findall(value))
        return timedelta(seconds=seconds)
    raise ValueError(
        f"expected a duration such as 90s, 5m, 2h or 1h30m (units ms, s, m, h, d), "
        f"or whole seconds; got {value!r}"
    )


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of ``value`` in the duration syntax, e.g. ``1h30m``."""
    ms = round(value.total_seconds() * 1000)
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    if ms:
        parts.append(f"{ms}ms")
    return "".join(parts)


#: A non-negative duration: "90s", "5m", "2h", "1h30m", "250ms", or integer seconds.
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "integer", "minimum": 0},
            ],
            "description": "A duration: 90s, 5m, 2h, 1h30m, 250ms (units ms, s, m, h, d), "
            "or whole seconds.",
        }
    ),
]

#: Names of task types, providers, channels: lowercase snake case.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]

#: SQL-style identifiers (query names, parameters, tables, columns, steps).
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]

#: A session label such as ``env:prod``, ``python`` or ``gpu``.
Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/=-]{0,127}$")]

#: A worker session name (as registered by the worker).
SessionName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
