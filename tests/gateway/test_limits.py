"""Message size, server-side deadlines, keepalive options."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest

from architect.gateway import GatewaySettings
from architect.gateway.assembly import grpc_server_options
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import AdminForTests, ServerFactory, bearer

MiB = 1024 * 1024


async def test_oversized_request_is_refused_and_server_keeps_serving(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    settings = make_settings()
    assert settings.limits.max_message_bytes == 4 * MiB  # the shipped default
    async with start_server(settings) as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        big = admin_pb2.ValidateConfigRequest(files={"base/big.yaml": "x" * (5 * MiB)})
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ValidateConfig(big, metadata=bearer(tokens["admin"]))
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        resp = await stub.GetServerInfo(
            admin_pb2.GetServerInfoRequest(), metadata=bearer(tokens["admin"])
        )
        assert resp.version == "test"


async def test_unary_call_without_deadline_is_capped(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    # The handler takes 0.5 s; the cap for calls without a deadline is 0.05 s.
    settings = make_settings(limits={"unary_timeout_seconds": 0.05})
    async with start_server(settings, impl=AdminForTests()) as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        md = bearer(tokens["admin"])
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest(), metadata=md)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "sent no deadline" in (err.value.details() or "")
        # A call with its own (longer) deadline is not capped.
        await stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest(), metadata=md, timeout=30)


def test_server_options_carry_sizes_and_keepalive(
    make_settings: Callable[..., GatewaySettings],
) -> None:
    options = dict(
        grpc_server_options(
            make_settings(
                limits={"max_message_bytes": 2 * MiB},
                keepalive={"time_seconds": 20, "max_connection_idle_seconds": 300},
            )
        )
    )
    assert options["grpc.max_receive_message_length"] == 2 * MiB
    assert options["grpc.max_send_message_length"] == 2 * MiB
    assert options["grpc.keepalive_time_ms"] == 20_000
    assert options["grpc.keepalive_timeout_ms"] == 10_000
    assert options["grpc.max_connection_idle_ms"] == 300_000
