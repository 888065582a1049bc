"""The durable store: SQLite (embedded, the default) or PostgreSQL (asyncpg).

    store = await open_store("sqlite:///var/lib/architect/architect.db")
    await store.migrate()
    [(task, created)] = await store.insert_tasks([NewTask(type="shell", payload={...})])
    await store.close()

Every write returns only once committed (group commit batches concurrent
writes into one transaction). See ``architect.store.base.Store`` for the
methods and their batch semantics.
"""

from __future__ import annotations

from architect import errors
from architect.clock import Clock, SystemClock
from architect.store.base import Dialect, Store
from architect.store.group_commit import GroupCommitOptions
from architect.store.migrate import Migration, MigrationInfo, MigrationStatus
from architect.store.records import (
    AssignmentRecord,
    AttemptRef,
    Finish,
    IndexSpec,
    LeaseExtension,
    LiveState,
    NewAssignment,
    NewSession,
    NewTask,
    NewTaskEvent,
    QueryResult,
    SessionRecord,
    StoreStats,
    TaskEventRecord,
    TaskFilter,
    TaskPage,
    TaskRecord,
    new_id,
)


def dialect_of(url: str) -> Dialect:
    """Which backend a database URL names (``InvalidArgument`` if neither)."""
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgres"
    raise errors.InvalidArgument(
        f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
    )


async def open_store(
    url: str,
    *,
    clock: Clock | None = None,
    group_commit: GroupCommitOptions | None = None,
    pool_min_size: int = 2,
    pool_max_size: int = 10,
) -> Store:
    """Connect to the database ``url`` names. Migrations are not applied: call
    ``store.migrate()`` (``architect serve`` and ``architect db migrate`` do).

    ``pool_min_size``/``pool_max_size`` size the asyncpg pool (PostgreSQL only).
    Raises ``Unavailable`` when the database cannot be reached.
    """
    clock = clock or SystemClock()
    options = group_commit or GroupCommitOptions()
    if dialect_of(url) == "sqlite":
        from architect.store.sqlite import SqliteStore, path_from_url

        sqlite_store = SqliteStore(path_from_url(url), clock, options)
        await sqlite_store.open()
        return sqlite_store
    from architect.store.postgres import PostgresStore

    pg_store = PostgresStore(url, clock, options, pool_min_size, pool_max_size)
    await pg_store.open()
    return pg_store


__all__ = [
    "AssignmentRecord",
    "AttemptRef",
    "Dialect",
    "Finish",
    "GroupCommitOptions",
    "IndexSpec",
    "LeaseExtension",
    "LiveState",
    "Migration",
    "MigrationInfo",
    "MigrationStatus",
    "NewAssignment",
    "NewSession",
    "NewTask",
    "NewTaskEvent",
    "QueryResult",
    "SessionRecord",
    "Store",
    "StoreStats",
    "TaskEventRecord",
    "TaskFilter",
    "TaskPage",
    "TaskRecord",
    "dialect_of",
    "new_id",
    "open_store",
]
