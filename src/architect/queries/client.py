"""``architect query list | run``: the QueryService from the command line, over gRPC.

``run`` asks the server for the query's parameter declarations first, so ``-p key=value``
is converted to the declared type here (``limit=5`` an integer, ``since=-1h`` a timestamp one
hour ago) and the server still checks everything.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import grpc
from google.protobuf import duration_pb2, timestamp_pb2

from architect.config.types import format_duration, parse_duration
from architect.v1 import query_pb2, query_pb2_grpc

V = query_pb2.Value
PT = query_pb2.ParameterType
_TYPE_NAMES = {
    PT.PARAMETER_TYPE_INTEGER: "integer",
    PT.PARAMETER_TYPE_FLOAT: "float",
    PT.PARAMETER_TYPE_STRING: "string",
    PT.PARAMETER_TYPE_BOOLEAN: "boolean",
    PT.PARAMETER_TYPE_TIMESTAMP: "timestamp",
    PT.PARAMETER_TYPE_DURATION: "duration",
    PT.PARAMETER_TYPE_UUID: "uuid",
}


class UsageError(Exception):
    """A ``-p`` argument that cannot be read."""


def parse_scalar(info: query_pb2.ParameterInfo, text: str) -> query_pb2.Value:
    """``text`` as a Value of the parameter's declared type."""
    t = info.type
    try:
        if t == PT.PARAMETER_TYPE_INTEGER:
            return V(int_value=int(text))
        if t == PT.PARAMETER_TYPE_FLOAT:
            return V(float_value=float(text))
        if t == PT.PARAMETER_TYPE_BOOLEAN:
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return V(bool_value=lowered in ("true", "1", "yes"))
        if t == PT.PARAMETER_TYPE_TIMESTAMP:
            if text.startswith("-"):  # relative: -1h is an hour ago
                when = datetime.now(UTC) - parse_duration(text[1:])
            else:
                when = datetime.fromisoformat(text)
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
            ts = timestamp_pb2.Timestamp()
            ts.FromDatetime(when)
            return V(timestamp_value=ts)
        if t == PT.PARAMETER_TYPE_DURATION:
            d = duration_pb2.Duration()
            d.FromTimedelta(parse_duration(text))
            return V(duration_value=d)
        if t == PT.PARAMETER_TYPE_UUID:
            return V(uuid_value=text)
    except ValueError as exc:
        kind = _TYPE_NAMES.get(t, "value")
        hint = " (ISO 8601, or -1h for an hour ago)" if kind == "timestamp" else ""
        raise UsageError(f"{info.name}: {text!r} is not a {kind}{hint}: {exc}") from None
    return V(string_value=text)


def parse_params(
    infos: Sequence[query_pb2.ParameterInfo], pairs: Sequence[str]
) -> dict[str, query_pb2.Value]:
    """``key=value`` pairs as typed Values (lists: comma-separated; ``key=null`` for NULL)."""
    by_name = {p.name: p for p in infos}
    out: dict[str, query_pb2.Value] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise UsageError(f"-p {pair!r}: expected KEY=VALUE")
        info = by_name.get(key)
        if info is None:
            known = ", ".join(by_name) or "none"
            raise UsageError(f"unknown parameter {key!r} (parameters: {known})")
        if text == "null":
            out[key] = V(null_value="NULL_VALUE")
        elif info.is_list:
            items = [parse_scalar(info, t) for t in text.split(",") if t]
            out[key] = V(list_value=query_pb2.ValueList(values=items))
        else:
            out[key] = parse_scalar(info, text)
    return out


def plain(value: query_pb2.Value) -> Any:
    """A Value as JSON-ready data."""
    kind = value.WhichOneof("kind")
    if kind is None or kind == "null_value":
        return None
    if kind == "timestamp_value":
        return value.timestamp_value.ToDatetime(tzinfo=UTC).isoformat()
    if kind == "duration_value":
        return format_duration(value.duration_value.ToTimedelta())
    if kind == "list_value":
        return [plain(v) for v in value.list_value.values]
    return getattr(value, kind)


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Left-aligned columns, as wide as their widest cell (cells cut at 60 characters)."""
    cut = [[c if len(c) <= 60 else c[:57] + "..." for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cut)]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(), file=out)
    for row in cut:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)


def list_queries(server: str, fmt: str, out: TextIO | None = None) -> int:
    """Print the server's query templates."""
    out = out or sys.stdout
    with grpc.insecure_channel(server) as channel:
        stub = query_pb2_grpc.QueryServiceStub(channel)
        resp = stub.ListQueries(query_pb2.ListQueriesRequest(), timeout=10)
    if fmt == "json":
        data = [
            {
                "name": q.name,
                "description": q.description,
                "cache_ttl_s": q.cache_ttl.ToTimedelta().total_seconds(),
                "parameters": [_param_data(p) for p in q.parameters],
            }
            for q in resp.queries
        ]
        doc = {"config_version": resp.config_version, "queries": data}
        print(json.dumps(doc, indent=2), file=out)
        return 0
    rows = [
        [
            q.name,
            " ".join(_param_text(p) for p in q.parameters) or "-",
            format_duration(q.cache_ttl.ToTimedelta()),
            q.description,
        ]
        for q in resp.queries
    ]
    table(["NAME", "PARAMETERS", "CACHE", "DESCRIPTION"], rows, out)
    print(f"{len(rows)} queries, config {resp.config_version}", file=out)
    return 0


def _param_data(p: query_pb2.ParameterInfo) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": p.name,
        "type": _TYPE_NAMES[p.type],
        "list": p.is_list,
        "required": p.required,
    }
    if p.HasField("default_value"):
        data["default"] = plain(p.default_value)
    return data


def _param_text(p: query_pb2.ParameterInfo) -> str:
    kind = _TYPE_NAMES[p.type] + ("[]" if p.is_list else "")
    if p.required:
        return f"{p.name}:{kind}!"
    default = f"={_text(plain(p.default_value))}" if p.HasField("default_value") else ""
    return f"[{p.name}:{kind}{default}]"


def run_query(
    server: str,
    name: str,
    pairs: Sequence[str],
    fmt: str,
    max_rows: int | None,
    out: TextIO | None = None,
) -> int:
    """Run one query and print its rows."""
    out = out or sys.stdout
    with grpc.insecure_channel(server) as channel:
        stub = query_pb2_grpc.QueryServiceStub(channel)
        listing = stub.ListQueries(query_pb2.ListQueriesRequest(), timeout=10)
        info = next((q for q in listing.queries if q.name == name), None)
        # An unknown name goes to the server anyway, which answers NOT_FOUND.
        params = parse_params(info.parameters, pairs) if info else {}
        request = query_pb2.ExecuteQueryRequest(name=name, params=params)
        if max_rows is not None:
            request.max_rows = max_rows
        resp = stub.ExecuteQuery(request, timeout=60)
    header = [c.name for c in resp.columns]
    data = [[plain(v) for v in r.values] for r in resp.rows]
    if fmt == "json":
        doc = {
            "columns": header,
            "rows": [dict(zip(header, row, strict=True)) for row in data],
            "truncated": resp.truncated,
            "cached": resp.cached,
            "config_version": resp.config_version,
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False), file=out)
        return 0
    table(header, [[_text(c) for c in row] for row in data], out)
    notes = [f"{len(data)} rows"]
    if resp.truncated:
        notes.append("truncated (raise --max-rows)")
    if resp.cached:
        notes.append("from cache")
    print(", ".join(notes), file=out)
    return 0
