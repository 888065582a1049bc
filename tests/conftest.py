"""Shared fixtures: a real Architect server on port 0 and a channel to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from architect import paths
from architect.server.app import ArchitectServer, ServerOptions


@pytest.fixture
def server_options(tmp_path: Path) -> ServerOptions:
    """Options for a throwaway server: a free port, the shipped config, a temp database."""
    return ServerOptions(
        listen="127.0.0.1:0",
        config_dir=paths.default_config_dir(),
        env="development",
        database_url=f"sqlite:///{tmp_path / 'architect.db'}",
        grace_period=2.0,
    )


@pytest.fixture
async def server(server_options: ServerOptions) -> AsyncIterator[ArchitectServer]:
    """A started server, stopped again after the test."""
    srv = ArchitectServer(server_options)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop(0)


@pytest.fixture
async def channel(server: ArchitectServer) -> AsyncIterator[grpc.aio.Channel]:
    """An insecure channel to ``server``."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
        yield ch
