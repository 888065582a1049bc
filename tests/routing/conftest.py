"""Fixtures for RoutingService tests: a real server per backend, with an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from architect import paths
from architect.clock import ManualClock
from architect.server.app import ArchitectServer, ServerOptions
from architect.v1 import routing_pb2_grpc


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test body on the embedded SQLite store and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'routing.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def clock() -> ManualClock:
    """The injected clock leases, heartbeats and deadlines are computed from."""
    return ManualClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def rserver(database_url: str, clock: ManualClock) -> AsyncIterator[ArchitectServer]:
    """A started server on the shipped config (development environment)."""
    srv = ArchitectServer(
        ServerOptions(
            listen="127.0.0.1:0",
            config_dir=paths.default_config_dir(),
            env="development",
            database_url=database_url,
            grace_period=1.0,
            watch_config=False,
            # The sweep runs on a real timer but reads the injected clock: tests move the
            # clock and the next sweep (within 50 ms) acts on it.
            sweep_interval=0.05,
        ),
        clock=clock,
    )
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop(0)


@pytest.fixture
async def rchannel(rserver: ArchitectServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{rserver.port}") as ch:
        yield ch


@pytest.fixture
def stub(rchannel: grpc.aio.Channel) -> routing_pb2_grpc.RoutingServiceStub:
    return routing_pb2_grpc.RoutingServiceStub(rchannel)
