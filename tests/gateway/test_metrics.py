"""The Prometheus endpoint, scraped over HTTP."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable

import grpc
from prometheus_client.parser import text_string_to_metric_families

from architect.gateway import GatewaySettings
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import ServerFactory, bearer, code_of


def _scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _rpc(method: str, code: str) -> frozenset[tuple[str, str]]:
    return frozenset({("service", "architect.v1.AdminService"), ("method", method), ("code", code)})


async def test_metrics_endpoint_counts_rpcs_by_method_and_code(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    group = {"name": "info", "methods": ["*/GetServerInfo"], "rate": 0.001, "burst": 3}
    settings = make_settings(rate_limits={"groups": [group]})
    async with start_server(settings, metrics_listen="127.0.0.1:0") as srv:
        assert srv.gateway.metrics_port
        srv.gateway.metrics.domain.pending_tasks.labels("shell").set(7)
        srv.gateway.metrics.domain.set_config_version("abc123")
        srv.gateway.metrics.domain.set_config_version("def456")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{srv.port}") as ch:
            stub = admin_pb2_grpc.AdminServiceStub(ch)
            info = admin_pb2.GetServerInfoRequest()
            for _ in range(5):  # 3 OK, then 2 over the rate limit
                await code_of(stub.GetServerInfo(info, metadata=bearer(tokens["reader"])))
            for _ in range(2):
                await code_of(stub.GetServerInfo(info))
        samples = await asyncio.to_thread(_scrape, srv.gateway.metrics_port)
    handled = "architect_rpc_handled_total"
    assert samples[(handled, _rpc("GetServerInfo", "OK"))] == 3
    assert samples[(handled, _rpc("GetServerInfo", "RESOURCE_EXHAUSTED"))] == 2
    assert samples[(handled, _rpc("GetServerInfo", "UNAUTHENTICATED"))] == 2
    assert samples[("architect_rpc_duration_seconds_count", _rpc("GetServerInfo", "OK"))] == 3
    in_flight = frozenset({("service", "architect.v1.AdminService"), ("method", "GetServerInfo")})
    assert samples[("architect_rpc_in_flight", in_flight)] == 0
    assert samples[("architect_rate_limited_total", frozenset({("group", "info")}))] == 2
    assert samples[("architect_pending_tasks", frozenset({("task_type", "shell")}))] == 7
    versions = {
        dict(labels)["version"] for name, labels in samples if name == "architect_config_info"
    }
    assert versions == {"def456"}


async def test_no_metrics_endpoint_by_default(
    start_server: ServerFactory, make_settings: Callable[..., GatewaySettings]
) -> None:
    async with start_server(make_settings()) as srv:
        assert srv.gateway.metrics_port is None


async def test_domain_gauges_follow_the_routing_engine(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    from architect.v1 import routing_pb2, routing_pb2_grpc

    settings = make_settings()
    async with start_server(settings, metrics_listen="127.0.0.1:0") as srv:
        stub = routing_pb2_grpc.RoutingServiceStub(srv.channel)
        md = bearer(tokens["admin"])
        await stub.SubmitTasks(
            routing_pb2.SubmitTasksRequest(tasks=[routing_pb2.TaskSpec(type="python")] * 3),
            metadata=md,
        )
        await stub.RegisterSession(
            routing_pb2.RegisterSessionRequest(name="m-1", provider="claude"), metadata=md
        )
        assert srv.server.engine is not None
        srv.server._metrics_publisher.publish()  # type: ignore[union-attr]
        samples = await asyncio.to_thread(_scrape, srv.gateway.metrics_port)  # type: ignore[arg-type]
        version = srv.server.engine.policy.version
    assert samples[("architect_pending_tasks", frozenset({("task_type", "python")}))] == 3
    assert samples[("architect_sessions", frozenset({("state", "idle")}))] == 1
    assert samples[("architect_config_info", frozenset({("version", version)}))] == 1
