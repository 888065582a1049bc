"""The ``store`` fixture: every test body in tests/store runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from architect.clock import ManualClock
from architect.store import GroupCommitOptions, Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated-or-empty database URL: a temp SQLite file, or a fresh Postgres clone."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'architect.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def clock() -> ManualClock:
    """The store's clock, moved by hand."""
    return ManualClock()


@pytest.fixture
async def store(store_url: str, clock: ManualClock) -> AsyncIterator[Store]:
    """An open, migrated store on ``store_url``."""
    s = await open_store(store_url, clock=clock, group_commit=GroupCommitOptions())
    await s.migrate()
    try:
        yield s
    finally:
        await s.close()


async def raw_execute(url: str, sql: str, *args: Any) -> None:
    """Change the database behind the store's back (to simulate a racing replica or a
    tampered schema). ``?`` placeholders on SQLite, ``$1`` on PostgreSQL."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            conn.execute(sql, args)
        finally:
            conn.close()
        return
    pg = await asyncpg.connect(url)
    try:
        await pg.execute(sql, *args)
    finally:
        await pg.close()


def placeholders(store: Store, n: int) -> list[str]:
    """The first ``n`` parameter placeholders in ``store``'s dialect."""
    return ["?"] * n if store.dialect == "sqlite" else [f"${i + 1}" for i in range(n)]
