"""Masked internal errors, request ids in trailers and in every log line of a call."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import grpc
import pytest

from architect.gateway import GatewaySettings
from architect.logs import CallContextFilter, JsonFormatter, TextFormatter
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import SECRET_DETAIL, ServerFactory, bearer


@pytest.fixture
def call_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog with the request-id filter the CLI installs on its handler."""
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(CallContextFilter())
    return caplog


async def test_unexpected_exception_is_internal_with_request_id_only(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
    call_logs: pytest.LogCaptureFixture,
) -> None:
    async with start_server(make_settings()) as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ValidateConfig(
                admin_pb2.ValidateConfigRequest(), metadata=bearer(tokens["admin"])
            )
        # The server still serves afterwards.
        await stub.GetServerInfo(admin_pb2.GetServerInfoRequest(), metadata=bearer(tokens["admin"]))
    exc = err.value
    assert exc.code() == grpc.StatusCode.INTERNAL
    details = exc.details() or ""
    request_id = dict(exc.trailing_metadata() or ())["x-request-id"]
    assert request_id in details
    for leak in ("hunter2", "secret.db", "RuntimeError", "Traceback"):
        assert leak not in details
    # The log has the detail, tagged with the request id, and so has every line of the call.
    lines = [r for r in call_logs.records if getattr(r, "request_id", None) == request_id]
    assert {r.getMessage() for r in lines} >= {
        "about to fail",
        "unexpected error, answered INTERNAL",
    }
    failure = next(r for r in lines if r.exc_info)
    assert SECRET_DETAIL in str(failure.exc_info[1])  # type: ignore[index]
    assert all(r.method == "/architect.v1.AdminService/ValidateConfig" for r in lines)  # type: ignore[attr-defined]


async def test_request_id_from_metadata_is_kept_and_returned(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
    call_logs: pytest.LogCaptureFixture,
) -> None:
    async with start_server(make_settings()) as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        md = (*bearer(tokens["reader"]), ("x-request-id", "client-abc.123"))
        call = stub.GetServerInfo(admin_pb2.GetServerInfoRequest(), metadata=md)
        await call
        assert dict(await call.trailing_metadata())["x-request-id"] == "client-abc.123"
        # An id that is not short and plain (it could forge or bloat log lines) is replaced.
        md = (*bearer(tokens["reader"]), ("x-request-id", 'evil" msg="forged' + "x" * 80))
        call = stub.GetServerInfo(admin_pb2.GetServerInfoRequest(), metadata=md)
        await call
        generated = dict(await call.trailing_metadata())["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", generated)
        # Two calls never share a generated id, rejected calls get one too.
        call2 = stub.GetServerInfo(admin_pb2.GetServerInfoRequest())
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call2
        rejected = dict(err.value.trailing_metadata() or ())["x-request-id"]
        assert rejected != generated
    served = [r for r in call_logs.records if r.getMessage() == "serving GetServerInfo"]
    assert [getattr(r, "request_id", None) for r in served] == ["client-abc.123", generated]


def test_formatters_show_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id, record.method = "rid-1", "/a.B/C"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "rid-1" and entry["method"] == "/a.B/C"
    assert "[rid-1 /a.B/C]" in TextFormatter().format(record)
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "outside a call", None, None)
    assert TextFormatter().format(plain).endswith("x: outside a call")
