"""ExecuteQuery, StreamQuery and ListQueries over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2, timestamp_pb2

from architect import paths
from architect.config import load_config
from architect.config.queries import ParamType
from architect.v1 import query_pb2
from tests.queries.conftest import (
    NOW,
    SESSION,
    TASK_DONE,
    TASK_FAILED,
    TASK_PENDING,
    WORKFLOW,
    Live,
)

V = query_pb2.Value
SHIPPED = load_config(paths.default_config_dir(), "development").queries.queries


def ts(when: datetime) -> V:
    t = timestamp_pb2.Timestamp()
    t.FromDatetime(when)
    return V(timestamp_value=t)


def dur(seconds: float) -> V:
    d = duration_pb2.Duration()
    d.FromTimedelta(timedelta(seconds=seconds))
    return V(duration_value=d)


def cell(v: V) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "null_value":
        return None
    if kind == "timestamp_value":
        return v.timestamp_value.ToDatetime(tzinfo=UTC)
    if kind == "list_value":
        return [cell(x) for x in v.list_value.values]
    return getattr(v, kind)


async def run(live: Live, name: str, **params: V) -> query_pb2.ExecuteQueryResponse:
    return await live.stub.ExecuteQuery(
        query_pb2.ExecuteQueryRequest(name=name, params=params), timeout=30
    )


async def rows(live: Live, name: str, **params: V) -> list[dict[str, Any]]:
    resp = await run(live, name, **params)
    names = [c.name for c in resp.columns]
    return [dict(zip(names, map(cell, r.values), strict=True)) for r in resp.rows]


async def error(live: Live, name: str, **params: V) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await run(live, name, **params)
    return exc.value


# Values for the required parameters of the shipped templates, chosen to hit the seed rows.
SHIPPED_ARGS: dict[str, dict[str, V]] = {
    "tasks_by_status": {
        "statuses": V(list_value=query_pb2.ValueList(values=[V(string_value="pending")]))
    },
    "task_detail": {"task_id": V(uuid_value=TASK_DONE)},
    "task_history": {"task_id": V(uuid_value=TASK_DONE)},
    "recent_failures": {"since": ts(NOW - timedelta(days=1))},
    "task_counts_by_status": {"since": ts(NOW - timedelta(days=1))},
    "task_durations_by_type": {"since": ts(NOW - timedelta(days=1))},
    "workflow_tasks": {"workflow_id": V(uuid_value=WORKFLOW)},
    "prompts_by_status": {"status": V(string_value="succeeded")},
    "stale_sessions": {"cutoff": ts(NOW)},
    "session_history": {"session_id": V(uuid_value=SESSION)},
    "expiring_leases": {"before": ts(NOW)},
    "provider_throughput": {"since": ts(NOW - timedelta(days=1))},
    "sla_breaches": {"since": ts(NOW - timedelta(days=1))},
    "sla_events_for_task": {"task_id": V(uuid_value=TASK_DONE)},
    "sla_breach_counts": {"since": ts(NOW - timedelta(days=1))},
}
# The first column of the first row each shipped template gives on the seed rows.
SHIPPED_FIRST: dict[str, Any] = {
    "pending_tasks": TASK_PENDING,
    "tasks_by_status": TASK_PENDING,
    "task_detail": TASK_DONE,
    "task_history": 1,
    "recent_failures": TASK_FAILED,
    "queue_depth_by_type": "shell",
    "task_counts_by_status": "prompt",
    "task_durations_by_type": "prompt",
    "workflow_tasks": "plan",
    "pending_prompts": None,
    "prompts_by_status": TASK_DONE,
    "active_sessions": SESSION,
    "stale_sessions": SESSION,
    "session_load": "architect_main",
    "session_history": TASK_DONE,
    "active_assignments": None,
    "expiring_leases": None,
    "provider_throughput": "claude",
    "sla_breaches": TASK_DONE,
    "sla_events_for_task": "breach",
    "sla_breach_counts": "prompt",
}


def test_every_shipped_template_has_a_case() -> None:
    assert sorted(SHIPPED_FIRST) == sorted(SHIPPED)
    for name, tpl in SHIPPED.items():
        required = {p.name for p in tpl.params if p.required}
        assert required == set(SHIPPED_ARGS.get(name, {})), name


async def test_every_shipped_template_runs(live: Live) -> None:
    types: dict[str, list[tuple[str, int, bool]]] = {}
    for name in sorted(SHIPPED):
        resp = await run(live, name, **SHIPPED_ARGS.get(name, {}))
        first = cell(resp.rows[0].values[0]) if resp.rows else None
        assert first == SHIPPED_FIRST[name], name
        types[name] = [(c.name, c.type, c.is_list) for c in resp.columns]
    ct = query_pb2.ColumnType
    detail = dict((n, t) for n, t, _ in types["task_detail"])
    assert detail["payload"] == ct.COLUMN_TYPE_JSON
    assert detail["created_at"] == ct.COLUMN_TYPE_TIMESTAMP
    assert detail["priority"] == ct.COLUMN_TYPE_INTEGER
    assert dict((n, t) for n, t, _ in types["task_durations_by_type"])["avg_seconds"] == (
        ct.COLUMN_TYPE_FLOAT
    )
    assert dict((n, t) for n, t, _ in types["queue_depth_by_type"])["oldest_enqueued_at"] == (
        ct.COLUMN_TYPE_TIMESTAMP
    )
    (row,) = await rows(live, "task_detail", task_id=V(uuid_value=TASK_DONE))
    assert json.loads(row["payload"]) == {"text": "hi"}
    assert row["finished_at"] == NOW - timedelta(minutes=5)


async def test_column_types_agree_across_backends(live: Live) -> None:
    """Each column of the seeded shipped results has the type PostgreSQL would report."""
    ct = query_pb2.ColumnType
    resp = await run(live, "queue_depth_by_type")
    got = {c.name: c.type for c in resp.columns}
    assert got == {
        "type": ct.COLUMN_TYPE_STRING,
        "pending": ct.COLUMN_TYPE_INTEGER,
        "oldest_enqueued_at": ct.COLUMN_TYPE_TIMESTAMP,
    }


async def test_list_queries(live: Live) -> None:
    resp = await live.stub.ListQueries(query_pb2.ListQueriesRequest())
    names = [q.name for q in resp.queries]
    assert names == sorted(names) and set(SHIPPED) <= set(names)
    assert resp.config_version == live.server.config.current.version  # type: ignore[union-attr]
    pending = next(q for q in resp.queries if q.name == "pending_tasks")
    assert pending.cache_ttl.ToTimedelta() == timedelta(seconds=1)
    limit = next(p for p in pending.parameters if p.name == "limit")
    assert limit.type == query_pb2.PARAMETER_TYPE_INTEGER
    assert (limit.default_value.int_value, limit.minimum, limit.maximum) == (100, 1, 1000)
    statuses = next(q for q in resp.queries if q.name == "tasks_by_status").parameters[0]
    assert statuses.is_list and statuses.required
    assert [v.string_value for v in statuses.allowed_values][:2] == ["pending", "assigned"]


# -- every parameter type ---------------------------------------------------------------


async def test_integer_and_string(live: Live) -> None:
    got = await rows(live, "pending_tasks", type=V(string_value="shell"), limit=V(int_value=1))
    assert [r["id"] for r in got] == [TASK_PENDING]
    assert await rows(live, "pending_tasks", type=V(string_value="prompt")) == []


async def test_float(live: Live) -> None:
    got = await rows(live, "by_min_priority", min_priority=V(float_value=4.5))
    assert [r["id"] for r in got] == [TASK_DONE, TASK_PENDING]
    got = await rows(live, "by_min_priority", min_priority=V(int_value=6))
    assert [r["id"] for r in got] == [TASK_PENDING]


async def test_boolean(live: Live) -> None:
    assert len(await rows(live, "pending_only")) == 3
    got = await rows(live, "pending_only", only_pending=V(bool_value=True))
    assert [r["id"] for r in got] == [TASK_PENDING]


async def test_timestamp(live: Live) -> None:
    got = await rows(live, "recent_failures", since=ts(NOW - timedelta(minutes=45)))
    assert [r["id"] for r in got] == [TASK_FAILED]
    assert await rows(live, "recent_failures", since=ts(NOW - timedelta(minutes=43))) == []


async def test_duration(live: Live) -> None:
    # TASK_DONE ran 15 minutes, TASK_FAILED one minute.
    got = await rows(live, "long_runs", min_run=dur(600))
    assert [r["id"] for r in got] == [TASK_DONE]
    assert len(await rows(live, "long_runs", min_run=dur(30))) == 2


async def test_uuid_and_uuid_list(live: Live) -> None:
    got = await rows(live, "task_detail", task_id=V(uuid_value=TASK_DONE.upper()))
    assert [r["id"] for r in got] == [TASK_DONE]
    ids = [V(uuid_value=i) for i in (TASK_FAILED, TASK_PENDING, SESSION)]
    got = await rows(live, "tasks_by_ids", ids=V(list_value=query_pb2.ValueList(values=ids)))
    assert [r["id"] for r in got] == [TASK_PENDING, TASK_FAILED]


async def test_string_list_with_enum(live: Live) -> None:
    values = [V(string_value=s) for s in ("failed", "succeeded")]
    got = await rows(
        live, "tasks_by_status", statuses=V(list_value=query_pb2.ValueList(values=values))
    )
    assert {r["id"] for r in got} == {TASK_DONE, TASK_FAILED}


async def test_explicit_null_for_an_optional_parameter(live: Live) -> None:
    got = await rows(live, "pending_tasks", type=V(null_value=0))
    assert [r["id"] for r in got] == [TASK_PENDING]


# -- errors -----------------------------------------------------------------------------

BAD: list[tuple[str, dict[str, V], str]] = [
    ("task_detail", {}, "parameter 'task_id' is required"),
    ("task_detail", {"task_id": V(string_value=TASK_DONE)}, "'task_id' must be a uuid"),
    ("task_detail", {"task_id": V(uuid_value="not-a-uuid")}, "'task_id' is not a UUID"),
    ("task_detail", {"task_id": V(null_value=0)}, "'task_id' is required and cannot be null"),
    ("task_detail", {"task_id": V()}, "'task_id' has no value set"),
    ("task_detail", {"task_id": V(uuid_value=TASK_DONE), "x": V(int_value=1)}, "parameter 'x'"),
    ("pending_tasks", {"limit": V(int_value=0)}, "'limit' must be >= 1"),
    ("pending_tasks", {"limit": V(int_value=5000)}, "'limit' must be <= 1000"),
    ("pending_tasks", {"limit": V(float_value=3.0)}, "'limit' must be a integer"),
    ("pending_tasks", {"type": V(string_value="a\x00b")}, "'type' may not contain NUL"),
    ("prompts_by_status", {"status": V(string_value="bogus")}, "'status' must be one of"),
    ("active_sessions", {"provider": V(string_value="Bad-Name")}, "'provider' must match"),
    ("tasks_by_status", {"statuses": V(string_value="pending")}, "'statuses' takes a list"),
    ("tasks_by_status", {"statuses": V(list_value=query_pb2.ValueList())}, "at least one"),
    ("by_min_priority", {"min_priority": V(float_value=float("nan"))}, "finite"),
    ("pending_only", {"only_pending": V(int_value=1)}, "'only_pending' must be a boolean"),
    ("recent_failures", {"since": V(string_value="yesterday")}, "'since' must be a timestamp"),
    ("long_runs", {"min_run": V(int_value=60)}, "'min_run' must be a duration"),
    (
        "tasks_by_ids",
        {"ids": V(list_value=query_pb2.ValueList(values=[V(uuid_value="x")]))},
        "(element 0) is not a UUID",
    ),
]


async def test_invalid_argument_names_the_parameter(live: Live) -> None:
    # One server for every case: each case is one call.
    for name, params, message in BAD:
        err = await error(live, name, **params)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, message
        assert message in (err.details() or ""), (message, err.details())


async def test_unknown_query_is_not_found(live: Live) -> None:
    err = await error(live, "no_such_query")
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert "no_such_query" in (err.details() or "")
    err = await error(live, "")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_negative_max_rows(live: Live) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await live.stub.ExecuteQuery(query_pb2.ExecuteQueryRequest(name="capped", max_rows=-1))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_write_through_a_template_fails_and_changes_nothing(live: Live) -> None:
    """The template passes the config's static check (its DELETE hides behind the dialect's
    quoting rules); the read-only transaction is what stops it."""
    err = await error(live, "sneaky_write")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "read-only" in (err.details() or "")
    assert len(await rows(live, "pending_only")) == 3


async def test_statement_timeout(live: Live) -> None:
    """The local config sets statement_timeout 1s; counting to 10^9 takes far longer."""
    err = await error(live, "slow_count", n=V(int_value=1_000_000_000))
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The server stopped the statement (its own message), not the client's deadline (30 s).
    assert "time limit" in (err.details() or ""), err.details()
    got = await rows(live, "slow_count", n=V(int_value=10))
    assert got == [{"total": 10}]


async def test_statement_timeout_follows_the_call_deadline(live: Live) -> None:
    request = query_pb2.ExecuteQueryRequest(
        name="slow_count", params={"n": V(int_value=1_000_000_000)}
    )
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await live.stub.ExecuteQuery(request, timeout=0.3)
    assert exc.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The store's connection is free again: the statement did not run on to 1 s.
    assert await rows(live, "slow_count", n=V(int_value=3)) == [{"total": 3}]


async def test_row_caps(live: Live) -> None:
    resp = await run(live, "capped")
    assert (len(resp.rows), resp.truncated) == (2, True)
    resp = await live.stub.ExecuteQuery(query_pb2.ExecuteQueryRequest(name="capped", max_rows=1))
    assert (len(resp.rows), resp.truncated) == (1, True)
    resp = await live.stub.ExecuteQuery(query_pb2.ExecuteQueryRequest(name="capped", max_rows=0))
    assert (len(resp.rows), [c.name for c in resp.columns]) == (0, ["id"])
    # Unset max_rows means 1,000; a request above the server maximum is lowered to 10,000.
    resp = await run(live, "many_rows", n=V(int_value=1500))
    assert (len(resp.rows), resp.truncated) == (1000, True)
    resp = await live.stub.ExecuteQuery(
        query_pb2.ExecuteQueryRequest(
            name="many_rows", params={"n": V(int_value=12_000)}, max_rows=50_000
        )
    )
    assert (len(resp.rows), resp.truncated) == (10_000, True)


async def test_stream_query_batches_and_trailer(live: Live) -> None:
    request = query_pb2.StreamQueryRequest(name="many_rows", params={"n": V(int_value=1234)})
    messages = [m async for m in live.stub.StreamQuery(request)]
    kinds = [m.WhichOneof("message") for m in messages]
    assert kinds == ["header", "rows", "rows", "rows", "trailer"]
    assert [c.name for c in messages[0].header.columns] == ["n"]
    values = [r.values[0].int_value for m in messages[1:-1] for r in m.rows.rows]
    assert values == list(range(1, 1235))
    assert (messages[-1].trailer.row_count, messages[-1].trailer.truncated) == (1234, False)
    capped = query_pb2.StreamQueryRequest(
        name="many_rows", params={"n": V(int_value=1234)}, max_rows=10
    )
    messages = [m async for m in live.stub.StreamQuery(capped)]
    assert (messages[-1].trailer.row_count, messages[-1].trailer.truncated) == (10, True)


async def test_stream_errors(live: Live) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        async for _ in live.stub.StreamQuery(query_pb2.StreamQueryRequest(name="nope")):
            pass
    assert exc.value.code() == grpc.StatusCode.NOT_FOUND


def test_param_types_all_exercised() -> None:
    """Keep this file honest: a parameter type added to the config needs a test above."""
    assert {t.value for t in ParamType} == {
        "integer",
        "float",
        "string",
        "boolean",
        "timestamp",
        "duration",
        "uuid",
    }
