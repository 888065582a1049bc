"""Driver rows to typed proto columns and rows.

Column types, decided once per result (then one converter per column, no per-cell switch):

- PostgreSQL reports each result column's type (``int4``, ``timestamptz``, ``jsonb``,
  ``_text`` for an array...): that is used as is, and holds even for an empty result.
- SQLite result columns have no declared type and timestamps are stored as text, so a
  column is a TIMESTAMP when its name is one of the schema's timestamp columns or ends in
  ``_at`` (``oldest_enqueued_at``) and its values parse as ISO-8601; JSON when its name is one
  of the schema's JSON columns; otherwise the Python type of its first non-NULL value decides
  (INTEGER, FLOAT, STRING), and a column with no non-NULL value is STRING. The shipped
  templates follow these names, so both backends give the same column types for them (a
  test checks it).

JSON cells are sent as compact JSON text on both backends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2

from architect.store import Dialect, QueryResult
from architect.store.rows import dump_json
from architect.v1 import query_pb2

CT = query_pb2.ColumnType
Value = query_pb2.Value
Converter = Callable[[Any], query_pb2.Value]

#: Timestamp and JSON columns of the schema contract (SQLite gives no declared types).
TIMESTAMP_COLUMNS = frozenset(
    (
        "created_at",
        "updated_at",
        "enqueued_at",
        "started_at",
        "finished_at",
        "last_heartbeat",
        "registered_at",
        "assigned_at",
        "lease_expires_at",
        "occurred_at",
    )
)
JSON_COLUMNS = frozenset(
    (
        "labels",
        "metadata",
        "payload",
        "required_labels",
        "preferred_sessions",
        "result",
        "detail",
        "inputs",
        "outputs",
    )
)

_PG: dict[str, query_pb2.ColumnType] = {
    **dict.fromkeys(("int2", "int4", "int8", "oid"), CT.COLUMN_TYPE_INTEGER),
    **dict.fromkeys(("float4", "float8", "numeric"), CT.COLUMN_TYPE_FLOAT),
    **dict.fromkeys(("text", "varchar", "bpchar", "name", "char"), CT.COLUMN_TYPE_STRING),
    "bool": CT.COLUMN_TYPE_BOOLEAN,
    **dict.fromkeys(("timestamptz", "timestamp", "date"), CT.COLUMN_TYPE_TIMESTAMP),
    "interval": CT.COLUMN_TYPE_DURATION,
    "uuid": CT.COLUMN_TYPE_UUID,
    **dict.fromkeys(("json", "jsonb"), CT.COLUMN_TYPE_JSON),
}

NULL = Value(null_value="NULL_VALUE")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def _ts(value: Any) -> query_pb2.Value:
    # Arithmetic on the datetime instead of Timestamp.FromDatetime, which goes through
    # utctimetuple() and calendar.timegm(): this is the hottest cell type in most results.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    elif not isinstance(value, datetime):  # a date
        value = datetime(value.year, value.month, value.day)
    delta = value - (_EPOCH if value.tzinfo is not None else _NAIVE_EPOCH)
    return Value(
        timestamp_value=timestamp_pb2.Timestamp(
            seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000
        )
    )


def _duration(value: timedelta) -> query_pb2.Value:
    d = duration_pb2.Duration()
    d.FromTimedelta(value)
    return Value(duration_value=d)


def _json(value: Any) -> query_pb2.Value:
    return Value(string_value=value if isinstance(value, str) else dump_json(value))


_SCALAR: dict[query_pb2.ColumnType, Converter] = {
    CT.COLUMN_TYPE_INTEGER: lambda v: Value(int_value=int(v)),
    CT.COLUMN_TYPE_FLOAT: lambda v: Value(float_value=float(v)),
    CT.COLUMN_TYPE_STRING: lambda v: Value(string_value=v if isinstance(v, str) else str(v)),
    CT.COLUMN_TYPE_BOOLEAN: lambda v: Value(bool_value=bool(v)),
    CT.COLUMN_TYPE_TIMESTAMP: _ts,
    CT.COLUMN_TYPE_DURATION: _duration,
    CT.COLUMN_TYPE_UUID: lambda v: Value(uuid_value=str(v)),
    CT.COLUMN_TYPE_JSON: _json,
}


def _nullable(convert: Converter) -> Converter:
    return lambda v: NULL if v is None else convert(v)


def _list_of(convert: Converter) -> Converter:
    element = _nullable(convert)
    return lambda v: Value(list_value=query_pb2.ValueList(values=[element(x) for x in v]))


def _is_iso(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _sqlite_type(name: str, values: Sequence[Any]) -> query_pb2.ColumnType:
    sample = next((v for v in values if v is not None), None)
    if (name in TIMESTAMP_COLUMNS or name.endswith("_at")) and (sample is None or _is_iso(sample)):
        return CT.COLUMN_TYPE_TIMESTAMP
    if name in JSON_COLUMNS:
        return CT.COLUMN_TYPE_JSON
    if isinstance(sample, bool):
        return CT.COLUMN_TYPE_BOOLEAN
    if isinstance(sample, int):
        return CT.COLUMN_TYPE_INTEGER
    if isinstance(sample, float):
        return CT.COLUMN_TYPE_FLOAT
    return CT.COLUMN_TYPE_STRING


def describe(
    result: QueryResult, dialect: Dialect
) -> tuple[list[query_pb2.Column], list[Converter]]:
    """The columns of ``result`` and one cell converter per column."""
    columns: list[query_pb2.Column] = []
    converters: list[Converter] = []
    for i, name in enumerate(result.columns):
        is_list = False
        if dialect == "postgres" and i < len(result.column_types):
            pg = result.column_types[i]
            is_list = pg.startswith("_")
            ctype = _PG.get(pg.removeprefix("_"), CT.COLUMN_TYPE_STRING)
        else:
            ctype = _sqlite_type(name, [row[i] for row in result.rows])
        convert = _SCALAR[ctype]
        columns.append(query_pb2.Column(name=name, type=ctype, is_list=is_list))
        converters.append(_nullable(_list_of(convert) if is_list else convert))
    return columns, converters


def to_rows(result: QueryResult, converters: Sequence[Converter]) -> list[query_pb2.Row]:
    """Every row of ``result`` as a proto ``Row``."""
    return [
        query_pb2.Row(values=[c(v) for c, v in zip(converters, row, strict=True)])
        for row in result.rows
    ]
