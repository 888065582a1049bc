"""Migrations: fresh, idempotent, status, and a changed checksum refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from architect import errors
from architect.clock import ManualClock
from architect.store import open_store
from architect.store.migrate import load_migrations, split_sqlite_script
from tests.store.conftest import raw_execute


async def test_fresh_database_has_everything_pending(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        status = await store.migration_status()
        assert status.applied == ()
        assert [m.version for m in status.pending] == [m.version for m in load_migrations("sqlite")]
    finally:
        await store.close()


async def test_migrate_applies_once_and_reports_status(store_url: str) -> None:
    clock = ManualClock()
    store = await open_store(store_url, clock=clock)
    try:
        await store.migrate()  # fresh on SQLite; the template already has it on Postgres
        assert await store.migrate() == []  # idempotent
        status = await store.migration_status()
        assert status.pending == ()
        applied = [(i.version, i.name) for i in status.applied]
        assert applied == [(1, "initial"), (2, "query_indexes")]
        assert status.applied[0].applied_at is not None
        # the schema is really there
        await store.insert_tasks([])
        page = await store.list_tasks()
        assert page.tasks == ()
    finally:
        await store.close()


async def test_changed_checksum_is_refused(store_url: str) -> None:
    store = await open_store(store_url)
    try:
        await store.migrate()
        await raw_execute(store_url, "UPDATE schema_migrations SET checksum = 'tampered'")
        with pytest.raises(errors.MigrationError, match="changed after it was applied"):
            await store.migration_status()
        with pytest.raises(errors.MigrationError):
            await store.migrate()
    finally:
        await store.close()


async def test_unknown_applied_version_is_refused(store_url: str) -> None:
    store = await open_store(store_url)
    try:
        await store.migrate()
        if store.dialect == "sqlite":
            sql = (
                "INSERT INTO schema_migrations "
                "VALUES (9999, 'future', 'x', '2030-01-01T00:00:00+00:00')"
            )
        else:
            sql = "INSERT INTO schema_migrations VALUES (9999, 'future', 'x', now())"
        await raw_execute(store_url, sql)
        with pytest.raises(errors.MigrationError, match="does not know"):
            await store.migration_status()
    finally:
        await store.close()


def test_both_dialects_ship_the_same_migrations() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations("sqlite")]
    postgres = [(m.version, m.name) for m in load_migrations("postgres")]
    assert sqlite == postgres and sqlite


def test_sqlite_script_splitter_keeps_statements_whole() -> None:
    sql = (
        "-- comment\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n"
        "CREATE INDEX i ON a (x)\n  WHERE x = 'y';\n"
    )
    assert split_sqlite_script(sql) == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "CREATE INDEX i ON a (x)\n  WHERE x = 'y';",
    ]
    with pytest.raises(errors.MigrationError):
        split_sqlite_script("CREATE TABLE b (x TEXT")
