"""``ListQueries``: the compiled catalog described in proto messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2

from architect.config.queries import ParamType
from architect.queries.compile import Catalog, CompiledQuery
from architect.queries.params import ParamSpec, from_config
from architect.v1 import query_pb2

_PTYPE = {
    ParamType.INTEGER: query_pb2.PARAMETER_TYPE_INTEGER,
    ParamType.FLOAT: query_pb2.PARAMETER_TYPE_FLOAT,
    ParamType.STRING: query_pb2.PARAMETER_TYPE_STRING,
    ParamType.BOOLEAN: query_pb2.PARAMETER_TYPE_BOOLEAN,
    ParamType.TIMESTAMP: query_pb2.PARAMETER_TYPE_TIMESTAMP,
    ParamType.DURATION: query_pb2.PARAMETER_TYPE_DURATION,
    ParamType.UUID: query_pb2.PARAMETER_TYPE_UUID,
}


def to_value(t: ParamType, value: Any) -> query_pb2.Value:
    """A canonical parameter value (see ``params``) as a proto ``Value``."""
    if t is ParamType.INTEGER:
        return query_pb2.Value(int_value=value)
    if t is ParamType.FLOAT:
        return query_pb2.Value(float_value=value)
    if t is ParamType.BOOLEAN:
        return query_pb2.Value(bool_value=value)
    if t is ParamType.TIMESTAMP:
        assert isinstance(value, datetime)
        ts = timestamp_pb2.Timestamp()
        ts.FromDatetime(value)
        return query_pb2.Value(timestamp_value=ts)
    if t is ParamType.DURATION:
        assert isinstance(value, timedelta)
        d = duration_pb2.Duration()
        d.FromTimedelta(value)
        return query_pb2.Value(duration_value=d)
    if t is ParamType.UUID:
        return query_pb2.Value(uuid_value=value)
    return query_pb2.Value(string_value=value)


def _param(spec: ParamSpec) -> query_pb2.ParameterInfo:
    decl = spec.decl
    info = query_pb2.ParameterInfo(
        name=spec.name,
        type=_PTYPE[spec.type],
        is_list=spec.is_list,
        required=spec.required,
        description=decl.description,
        pattern=decl.pattern or "",
        allowed_values=[to_value(spec.type, v) for v in decl.enum or ()],
    )
    if decl.min is not None:
        info.minimum = decl.min
    if decl.max is not None:
        info.maximum = decl.max
    if decl.default is not None:
        if spec.is_list:
            items = [to_value(spec.type, from_config(spec, v)) for v in decl.default]
            info.default_value.list_value.values.extend(items)
        else:
            info.default_value.CopyFrom(to_value(spec.type, from_config(spec, decl.default)))
    return info


def query_info(q: CompiledQuery) -> query_pb2.QueryInfo:
    """One template as ``QueryInfo``."""
    ttl = duration_pb2.Duration()
    ttl.FromTimedelta(timedelta(seconds=q.cache_ttl))
    return query_pb2.QueryInfo(
        name=q.name,
        description=q.template.description,
        parameters=[_param(p) for p in q.params],
        cache_ttl=ttl,
    )


def list_response(catalog: Catalog) -> query_pb2.ListQueriesResponse:
    """Every template of ``catalog``, ordered by name."""
    return query_pb2.ListQueriesResponse(
        queries=[query_info(catalog.queries[n]) for n in sorted(catalog.queries)],
        config_version=catalog.version,
    )
