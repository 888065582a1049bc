"""Hostile strings in every string parameter never reach the statement text.

A real server runs on its own event loop thread; the store's ``fetch_readonly`` is wrapped to
record exactly what reaches the driver (the real query still runs). For every example the
statement is byte for byte the compiled template, the values travel only as bound
parameters, and the string comes back unchanged.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architect import paths
from architect.config import load_config
from architect.server.app import ArchitectServer, ServerOptions
from architect.store import QueryResult
from architect.v1 import query_pb2, query_pb2_grpc
from tests.queries.conftest import seed

V = query_pb2.Value
NASTY = [
    "'", "''", '"', ";", "--", "/*", "*/", "$1", "?1", "?", ":text", ":types", "::text",
    "'; DROP TABLE tasks; --", "' OR '1'='1", "\\", "E'\\''", "%s", "{}", "\x00",
    "\u202e", "\ufeff", "\u0000\u0001", "\U0001d54f", "é", "\r\n", "\t", "`", "[", "]",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=6).map("".join)

ECHO = (
    "SELECT CAST(:text AS TEXT) AS text, COUNT(*) AS matches\n"
    "FROM tasks WHERE type IN (:types) OR type = :text\n"
)

PENDING = (
    load_config(paths.default_config_dir(), "development")
    .queries.queries["pending_tasks"]
    .sql_for("sqlite")
)


def expected_echo(dialect: str, n_types: int) -> str:
    mark = "$" if dialect == "postgres" else "?"
    types = ", ".join(f"{mark}{i}" for i in range(2, 2 + max(1, n_types)))
    return ECHO.replace(":text", f"{mark}1").replace(":types", types)


class Running:
    """A server on a background loop, with a recorder around its store's fetch_readonly."""

    def __init__(self, tree: Path, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = ArchitectServer(
            ServerOptions("127.0.0.1:0", tree, "development", url, 1.0, watch_config=False)
        )
        self.call(self.server.start())
        self.call(seed(url))
        store = self.server.store
        assert store is not None
        self.dialect = store.dialect
        self.seen: list[tuple[str, list[Any]]] = []
        real = store.fetch_readonly

        async def recording(
            sql: str, args: Sequence[Any], *, timeout_s: float, max_rows: int
        ) -> QueryResult:
            self.seen.append((sql, list(args)))
            return await real(sql, args, timeout_s=timeout_s, max_rows=max_rows)

        store.fetch_readonly = recording  # type: ignore[method-assign]
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")
        self.stub = query_pb2_grpc.QueryServiceStub(self.channel)

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self.channel.close()
        self.call(self.server.stop(0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def running(tree: Path, database_url: str) -> Iterator[Running]:
    r = Running(tree, database_url)
    try:
        yield r
    finally:
        r.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile, types=st.lists(hostile, max_size=4))
def test_hostile_strings_are_only_ever_bound(running: Running, text: str, types: list[str]) -> None:
    request = query_pb2.ExecuteQueryRequest(
        name="echo_text",
        params={
            "text": V(string_value=text),
            "types": V(list_value=query_pb2.ValueList(values=[V(string_value=t) for t in types])),
        },
    )
    before = len(running.seen)
    if any("\x00" in s for s in [text, *types]):
        with pytest.raises(grpc.RpcError) as exc:
            running.stub.ExecuteQuery(request, timeout=30)
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "may not contain NUL" in (exc.value.details() or "")
        assert len(running.seen) == before  # refused before anything reached the driver
        return
    resp = running.stub.ExecuteQuery(request, timeout=30)
    ((sql, args),) = running.seen[before:]
    assert sql == expected_echo(running.dialect, len(types))
    assert args == [text, *(types or [None])]
    assert resp.rows[0].values[0].string_value == text

    # A shipped template, its string filter left free by the config (cached for 1 s: a
    # repeated value may be served from cache and never reach the driver).
    before = len(running.seen)
    resp = running.stub.ExecuteQuery(
        query_pb2.ExecuteQueryRequest(name="pending_tasks", params={"type": V(string_value=text)}),
        timeout=30,
    )
    if resp.cached:
        assert running.seen[before:] == []
        return
    ((sql, args),) = running.seen[before:]
    mark = "$" if running.dialect == "postgres" else "?"
    assert sql == PENDING.replace(":type", f"{mark}1").replace(":limit", f"{mark}2")
    assert args == [text, 100]
