"""Gateway fixtures: real servers on port 0 with chosen gateway settings, tokens per role."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from architect import paths
from architect.config import load_config
from architect.config.gateway import deep_merge
from architect.gateway import GatewayOptions, GatewaySettings, parse_settings
from architect.gateway.tokens import generate_token, hash_token
from architect.server.app import ArchitectServer, ServerOptions
from architect.v1 import admin_pb2

ADMIN = "architect.v1.AdminService"
log = logging.getLogger("tests.gateway.impl")

#: The secret an injected failure carries; it must never reach a client.
SECRET_DETAIL = "password=hunter2 at /var/lib/architect/secret.db"


class AdminForTests:
    """A test-only AdminService: one cheap RPC, one that raises, one that is slow."""

    slow_seconds = 0.5

    async def GetServerInfo(self, request: Any, context: Any) -> admin_pb2.GetServerInfoResponse:
        log.info("serving GetServerInfo")
        return admin_pb2.GetServerInfoResponse(version="test")

    async def ValidateConfig(self, request: Any, context: Any) -> Any:
        log.info("about to fail")
        raise RuntimeError(SECRET_DETAIL)

    async def GetConfigStatus(self, request: Any, context: Any) -> Any:
        await asyncio.sleep(self.slow_seconds)
        return admin_pb2.GetConfigStatusResponse()


@pytest.fixture(scope="session")
def tokens() -> dict[str, str]:
    """One fresh token per shipped role, plus a second admin token."""
    return {role: generate_token() for role in ("admin", "operator", "worker", "reader", "admin2")}


@pytest.fixture
def make_settings(tokens: dict[str, str]) -> Callable[..., GatewaySettings]:
    """The shipped gateway.yaml with the test tokens and ``overrides`` merged over it."""

    def make(with_tokens: bool = True, **overrides: Any) -> GatewaySettings:
        base = load_config(paths.default_config_dir(), "development").gateway
        data = base.model_dump(mode="json")
        data["auth"]["tokens"] = (
            [
                {"name": f"{role}-token", "role": role.rstrip("2"), "sha256": hash_token(t)}
                for role, t in tokens.items()
            ]
            if with_tokens
            else []
        )
        return parse_settings(deep_merge(data, overrides))

    return make


class Running:
    """A started server and a plaintext channel to it."""

    def __init__(self, server: ArchitectServer, channel: grpc.aio.Channel):
        self.server = server
        self.channel = channel
        self.port = server.port
        assert server.gateway is not None
        self.gateway = server.gateway


ServerFactory = Callable[..., contextlib.AbstractAsyncContextManager[Running]]


@pytest.fixture
def start_server(tmp_path: Path) -> ServerFactory:
    """Start a server with the test AdminService and the given gateway settings and options."""

    @contextlib.asynccontextmanager
    async def start(
        settings: GatewaySettings | None,
        listen: str = "127.0.0.1:0",
        impl: object | None = None,
        **gateway: Any,
    ) -> AsyncIterator[Running]:
        options = ServerOptions(
            listen=listen,
            config_dir=paths.default_config_dir(),
            env="development",
            watch_config=False,
            database_url=f"sqlite:///{tmp_path / 'architect.db'}",
            grace_period=1.0,
            gateway=GatewayOptions(settings=settings, **gateway),
        )
        server = ArchitectServer(options, implementations={ADMIN: impl or AdminForTests()})
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                yield Running(server, channel)
        finally:
            await server.stop(0)

    return start


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying ``token``."""
    return (("authorization", f"Bearer {token}"),)


async def code_of(call: Any) -> grpc.StatusCode:
    """The status code a call ends with."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK
