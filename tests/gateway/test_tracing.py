"""OpenTelemetry spans per RPC (runs when the tracing packages are installed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from architect.gateway import GatewaySettings, tracing
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import ServerFactory, bearer

trace = pytest.importorskip("opentelemetry.trace", reason="install the tracing extra")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
export = pytest.importorskip("opentelemetry.sdk.trace.export")


@pytest.fixture(scope="module")
def exporter() -> Iterator[object]:
    """An in-memory exporter on the process's tracer provider (settable once per process)."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        pytest.skip("a tracer provider is already installed in this process")
    spans = in_memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    yield spans


async def test_a_span_per_rpc_and_per_block(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
    exporter: object,
) -> None:
    try:
        async with start_server(make_settings(), otel=True) as srv:
            ch = srv.channel
            call = admin_pb2_grpc.AdminServiceStub(ch).GetServerInfo(
                admin_pb2.GetServerInfoRequest(), metadata=bearer(tokens["reader"])
            )
            await call
            request_id = dict(await call.trailing_metadata())["x-request-id"]
        with tracing.span("db.query", statement="tasks.pending"):
            pass
    finally:
        tracing.disable()
    spans = {s.name: s for s in exporter.get_finished_spans()}  # type: ignore[attr-defined]
    rpc = spans["architect.v1.AdminService/GetServerInfo"]
    assert rpc.kind == trace.SpanKind.SERVER
    assert rpc.attributes["architect.request_id"] == request_id
    assert spans["db.query"].attributes["statement"] == "tasks.pending"
