"""Shared fixtures: a real Architect server on port 0, a channel to it, and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import secrets
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
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


# -- PostgreSQL ----------------------------------------------------------------------
#
# Tests that need PostgreSQL take ``postgres_dsn`` (the server) or ``fresh_postgres_url``
# (a migrated database of their own). The DSN comes from ARCHITECT_TEST_POSTGRES_DSN; without
# it they skip, unless ARCHITECT_TEST_REQUIRE_POSTGRES=1 (CI), where they fail. A DSN that is
# set but unreachable always fails. Databases are named architect_store_<random> and dropped.


def _postgres_dsn_or_skip() -> str:
    dsn = os.environ.get("ARCHITECT_TEST_POSTGRES_DSN", "")
    if not dsn:
        if os.environ.get("ARCHITECT_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "ARCHITECT_TEST_REQUIRE_POSTGRES=1 but ARCHITECT_TEST_POSTGRES_DSN is unset"
            )
        pytest.skip(
            "PostgreSQL tests need ARCHITECT_TEST_POSTGRES_DSN, "
            "e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    return dsn


def with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at another database on the same server."""
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def _admin(dsn: str, *statements: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The DSN of the test PostgreSQL server (skips or fails as described above)."""
    dsn = _postgres_dsn_or_skip()
    try:
        _admin(dsn, "SELECT 1")
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {dsn} (ARCHITECT_TEST_POSTGRES_DSN) is unreachable: {exc}")
    return dsn


@pytest.fixture(scope="session")
def postgres_template(postgres_dsn: str) -> Iterator[str]:
    """A database migrated once per test session, cloned by ``fresh_postgres_url``."""
    from architect.store import open_store

    name = f"architect_store_tmpl_{secrets.token_hex(4)}"
    _admin(postgres_dsn, f'CREATE DATABASE "{name}"')

    async def migrate() -> None:
        store = await open_store(with_database(postgres_dsn, name), pool_min_size=1)
        try:
            await store.migrate()
        finally:
            await store.close()

    try:
        asyncio.run(migrate())
        yield name
    finally:
        _admin(postgres_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres_url(postgres_dsn: str, postgres_template: str) -> Iterator[str]:
    """A migrated database of this test's own (a clone of the template), dropped after."""
    name = f"architect_store_{secrets.token_hex(6)}"
    _admin(postgres_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield with_database(postgres_dsn, name)
    finally:
        _admin(postgres_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
