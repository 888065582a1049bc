"""Scratch PostgreSQL databases: one per scenario, created from the DSN given, then dropped."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def _with_db(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def scratch(database: str | None, label: str) -> Iterator[str | None]:
    """Yield a fresh database URL named after ``label`` when ``database`` is PostgreSQL;
    otherwise yield ``database`` unchanged (SQLite, or the default)."""
    if not database or not database.startswith("postgresql"):
        yield database
        return
    name = f"archbench_{label}_{os.getpid()}"
    asyncio.run(_admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(database, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_db(database, name)
    finally:
        asyncio.run(_admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
