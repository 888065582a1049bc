"""Typed parameters: a proto ``Value`` (or a config default) checked and converted to the
value the driver binds.

Each value is first made canonical (int, float, str, bool, aware datetime, timedelta, UUID
text), checked against the declaration (bounds, enum, pattern), then encoded for the dialect:
SQLite binds timestamps as text in the store's fixed format (so text order is time order) and
durations as seconds; PostgreSQL binds ``datetime`` and ``timedelta``. UUIDs are bound as
text on both: the store keeps ids as TEXT.

Every error is ``InvalidArgument`` and names the query and the parameter.
"""

from __future__ import annotations

import dataclasses
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from architect import errors
from architect.config.queries import ParamType, QueryParam
from architect.config.types import parse_duration
from architect.store import Dialect
from architect.store.rows import sqlite_ts
from architect.v1 import query_pb2

#: Elements of a list parameter, at most (query.proto).
MAX_LIST = 1000
#: Characters of a string parameter, at most: a guard against abuse, far above real use.
MAX_STRING = 65_536

_KIND = {
    ParamType.INTEGER: "int_value",
    ParamType.FLOAT: "float_value or int_value",
    ParamType.STRING: "string_value",
    ParamType.BOOLEAN: "bool_value",
    ParamType.TIMESTAMP: "timestamp_value",
    ParamType.DURATION: "duration_value",
    ParamType.UUID: "uuid_value",
}


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter, compiled: how to check and encode its values."""

    query: str
    name: str
    type: ParamType
    is_list: bool
    required: bool
    decl: QueryParam
    pattern: re.Pattern[str] | None
    enum: frozenset[Any] | None
    encode: Callable[[Any], Any]
    #: The default, already checked and encoded (None binds NULL).
    default: Any

    def fail(self, message: str) -> errors.InvalidArgument:
        """An InvalidArgument naming this parameter."""
        return errors.InvalidArgument(f"query {self.query!r}: parameter {self.name!r} {message}")

    def _check(self, value: Any) -> Any:
        d = self.decl
        if d.min is not None and value < d.min:
            raise self.fail(f"must be >= {_num(d.min)}; got {value}")
        if d.max is not None and value > d.max:
            raise self.fail(f"must be <= {_num(d.max)}; got {value}")
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(map(str, self.decl.enum or ()))
            raise self.fail(f"must be one of {allowed}; got {value!r}")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise self.fail(f"must match the pattern {self.pattern.pattern!r}; got {value!r}")
        return value

    def from_value(self, value: query_pb2.Value) -> Any:
        """The encoded driver value for a proto ``Value`` sent by a caller."""
        kind = value.WhichOneof("kind")
        if kind is None:
            raise self.fail("has no value set; set one field of Value, or omit the parameter")
        if kind == "null_value":
            if self.required:
                raise self.fail("is required and cannot be null")
            return None
        if self.is_list:
            if kind != "list_value":
                raise self.fail(f"takes a list (list_value of {_KIND[self.type]}); got {kind}")
            items = value.list_value.values
            if len(items) > MAX_LIST:
                raise self.fail(f"takes at most {MAX_LIST} elements; got {len(items)}")
            if self.required and not items:
                raise self.fail("is required and needs at least one element")
            return tuple(self._scalar(item, f"element {i}") for i, item in enumerate(items))
        return self._scalar(value, "")

    def _scalar(self, value: query_pb2.Value, where: str) -> Any:
        kind = value.WhichOneof("kind")
        at = f"({where}) " if where else ""
        t = self.type
        if t is ParamType.INTEGER and kind == "int_value":
            out: Any = value.int_value
        elif t is ParamType.FLOAT and kind in ("float_value", "int_value"):
            out = float(getattr(value, kind))
            if not math.isfinite(out):
                raise self.fail(f"{at}must be a finite number; got {out}")
        elif t is ParamType.STRING and kind == "string_value":
            out = value.string_value
            if "\x00" in out:
                raise self.fail(f"{at}may not contain NUL characters")
            if len(out) > MAX_STRING:
                raise self.fail(f"{at}is longer than {MAX_STRING} characters")
        elif t is ParamType.BOOLEAN and kind == "bool_value":
            out = value.bool_value
        elif t is ParamType.TIMESTAMP and kind == "timestamp_value":
            try:
                out = value.timestamp_value.ToDatetime(tzinfo=UTC)
            except (ValueError, OverflowError):
                raise self.fail(f"{at}is not a representable point in time") from None
        elif t is ParamType.DURATION and kind == "duration_value":
            try:
                out = value.duration_value.ToTimedelta()
            except (ValueError, OverflowError):
                raise self.fail(f"{at}is not a representable duration") from None
        elif t is ParamType.UUID and kind == "uuid_value":
            try:
                out = str(uuid.UUID(value.uuid_value))
            except ValueError:
                raise self.fail(f"{at}is not a UUID: {value.uuid_value!r}") from None
        else:
            raise self.fail(f"{at}must be a {t.value} ({_KIND[t]}); got {kind}")
        return self.encode(self._check_canonical(out))

    def _check_canonical(self, value: Any) -> Any:
        if self.type is ParamType.DURATION:
            seconds = value.total_seconds()
            self._check(seconds)
            return value
        return self._check(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def from_config(spec: ParamSpec, value: Any) -> Any:
    """A config default (plain YAML data) as a canonical value."""
    t = spec.type
    if t is ParamType.FLOAT:
        return float(value)
    if t is ParamType.TIMESTAMP:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    if t is ParamType.DURATION:
        duration: timedelta = parse_duration(value)
        return duration
    if t is ParamType.UUID:
        return str(uuid.UUID(str(value)))
    return value


def _encoder(t: ParamType, dialect: Dialect) -> Callable[[Any], Any]:
    if dialect == "sqlite" and t is ParamType.TIMESTAMP:
        return sqlite_ts
    if dialect == "sqlite" and t is ParamType.DURATION:
        return lambda d: d.total_seconds()
    return lambda v: v


def compile_param(query: str, decl: QueryParam, dialect: Dialect) -> ParamSpec:
    """Compile one declaration for ``dialect``, converting its default once."""
    spec = ParamSpec(
        query=query,
        name=decl.name,
        type=decl.type,
        is_list=decl.list,
        required=decl.required,
        decl=decl,
        pattern=re.compile(decl.pattern) if decl.pattern is not None else None,
        enum=frozenset(decl.enum) if decl.enum is not None else None,
        encode=_encoder(decl.type, dialect),
        default=None,
    )
    if decl.default is None:
        return spec
    if decl.list:
        default: Any = tuple(spec.encode(from_config(spec, v)) for v in decl.default)
    else:
        default = spec.encode(from_config(spec, decl.default))
    return dataclasses.replace(spec, default=default)


def bind(
    query: str, specs: Mapping[str, ParamSpec], given: Mapping[str, query_pb2.Value]
) -> dict[str, Any]:
    """Driver values for every declared parameter: given, defaulted or NULL.

    Unknown names and missing required parameters are ``InvalidArgument``.
    """
    unknown = sorted(set(given) - set(specs))
    if unknown:
        known = ", ".join(specs) or "none"
        raise errors.InvalidArgument(
            f"query {query!r} has no parameter {unknown[0]!r} (its parameters: {known})"
        )
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        value = given.get(name)
        if value is None:
            if spec.required:
                kind = f"list of {spec.type.value}" if spec.is_list else spec.type.value
                raise spec.fail(f"is required ({kind}, set {_KIND[spec.type]})")
            out[name] = spec.default
        else:
            out[name] = spec.from_value(value)
    return out
