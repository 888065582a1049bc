"""The embedded store: SQLite in WAL mode with synchronous=FULL.

Threads: one writer thread owns the only write connection; every write runs
there, batched by group commit into one ``BEGIN IMMEDIATE ... COMMIT``.
Operations of one kind in a batch run merged (``architect.store.batching``,
``sqlite_kinds``), each group in a savepoint; if a merged group fails, it is
rolled back and run again one operation at a time, each in its own savepoint,
so that the failing caller fails alone. Reads run on a small pool of reader
threads (``sqlite_reads``). The event loop only awaits futures; it never
touches SQLite itself.

Durability: with WAL and synchronous=FULL, COMMIT returns after the WAL is
fsynced, so a committed (and thus acknowledged) write survives a crash or a
power cut.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from architect.clock import Clock
from architect.store.base import Dialect
from architect.store.batching import Group, Op, plan_groups
from architect.store.group_commit import GroupCommitOptions, GroupCommitter, OpFailed
from architect.store.indexes import ExistingIndex, IndexReport, create_index_sql, mismatch
from architect.store.migrate import (
    SCHEMA_MIGRATIONS_DDL,
    MigrationInfo,
    MigrationStatus,
    load_migrations,
    plan,
    split_sqlite_script,
)
from architect.store.records import IndexSpec
from architect.store.rows import sqlite_ts
from architect.store.sqlite_driver import connect, path_from_url, translate_sqlite_error
from architect.store.sqlite_kinds import SQLITE_KINDS
from architect.store.sqlite_reads import SqliteReads
from architect.store.sqlite_writes import SqliteConn
from architect.store.writes import GroupCommitWrites

T = TypeVar("T")


class SqliteStore(SqliteReads, GroupCommitWrites):
    """The SQLite implementation of ``Store`` (see the module docstring)."""

    def __init__(self, path: Path, clock: Clock, group_commit: GroupCommitOptions) -> None:
        super().__init__(path, clock)
        self._options = group_commit
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="architect-sqlite-writer")
        self._writer: SqliteConn | None = None
        self._kinds = SQLITE_KINDS

    @property
    def dialect(self) -> Dialect:
        """Always ``'sqlite'``."""
        return "sqlite"

    async def open(self) -> None:
        """Create the data directory and the writer connection; start group commit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            raw = await self._on_writer(lambda: connect(self.path, reader=False))
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc
        self._writer = SqliteConn(raw, self.stats)
        # One write connection: batches queue for its thread anyway, so one writer task.
        options = dataclasses.replace(self._options, writers=1)
        self._committer = GroupCommitter(self._run_batch, options, translate_sqlite_error)

    async def close(self) -> None:
        """Finish queued writes, then close every connection and thread."""
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await self._on_writer(writer.raw.close)
        self._writer_pool.shutdown(wait=True)
        self._close_readers()

    # -- group commit ----------------------------------------------------------------

    async def ensure_indexes(self, specs: Sequence[IndexSpec]) -> IndexReport:
        """See ``Store.ensure_indexes`` (on the writer thread, between group-commit batches)."""
        assert self._writer is not None, "open() first"
        raw = self._writer.raw
        wanted = list(specs)
        statements = {s.name: create_index_sql(s, concurrently=False) for s in wanted}

        def run() -> IndexReport:
            created: list[str] = []
            mismatched: list[str] = []
            for spec in wanted:
                found = _sqlite_index(raw, spec.name)
                if found is None:
                    raw.execute("BEGIN IMMEDIATE")
                    try:
                        raw.execute(statements[spec.name])
                        raw.execute("COMMIT")
                    except BaseException:
                        raw.execute("ROLLBACK")
                        raise
                    created.append(spec.name)
                elif problem := mismatch(spec, found):
                    mismatched.append(problem)
            return IndexReport(tuple(created), tuple(mismatched))

        try:
            return await self._on_writer(run)
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc

    async def _on_writer(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer_pool, fn)

    async def _run_batch(self, ops: Sequence[Op[Any]]) -> list[Any]:
        return await self._on_writer(lambda: self._run_batch_sync(ops))

    def _run_batch_sync(self, ops: Sequence[Op[Any]]) -> list[Any]:
        assert self._writer is not None
        raw = self._writer.raw
        self.stats.batches += 1
        out: list[Any] = [None] * len(ops)
        raw.execute("BEGIN IMMEDIATE")
        try:
            for group in plan_groups(ops):
                # Savepoints cost no round trip here: one around every group.
                raw.execute("SAVEPOINT grp")
                try:
                    self._merged(group, ops, out)
                except Exception as exc:
                    raw.execute("ROLLBACK TO grp")
                    if len(group.members) == 1:  # that was the operation alone: it failed
                        out[group.members[0]] = OpFailed(translate_sqlite_error(exc))
                    else:
                        self._one_by_one(group, ops, out)
                raw.execute("RELEASE grp")
            raw.execute("COMMIT")
        except BaseException:
            self.stats.failed_batches += 1
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
        self.stats.transactions += 1
        return out

    def _merged(self, group: Group[Any], ops: Sequence[Op[Any]], out: list[Any]) -> None:
        assert self._writer is not None
        args = [ops[i].arg for i in group.members]
        outcomes = group.kind.run(self._writer, self.clock.now(), args)
        for i, outcome in zip(group.members, outcomes, strict=True):
            out[i] = outcome

    def _one_by_one(self, group: Group[Any], ops: Sequence[Op[Any]], out: list[Any]) -> None:
        assert self._writer is not None
        raw, now = self._writer.raw, self.clock.now()
        for i in group.members:
            raw.execute("SAVEPOINT op")
            try:
                (out[i],) = group.kind.run(self._writer, now, [ops[i].arg])
            except Exception as exc:
                raw.execute("ROLLBACK TO op")
                out[i] = OpFailed(translate_sqlite_error(exc))
            raw.execute("RELEASE op")

    # -- migrations ------------------------------------------------------------------

    def _applied_sync(self, conn: sqlite3.Connection) -> list[MigrationInfo]:
        conn.execute(SCHEMA_MIGRATIONS_DDL["sqlite"])
        rows = conn.execute("SELECT version, name, checksum, applied_at FROM schema_migrations")
        return [MigrationInfo(r[0], r[1], r[2], datetime.fromisoformat(r[3])) for r in rows]

    async def migration_status(self) -> MigrationStatus:
        """Applied and pending migrations."""
        assert self._writer is not None, "open() first"
        raw = self._writer.raw
        applied = await self._on_writer(lambda: self._applied_sync(raw))
        return plan(load_migrations("sqlite"), applied)

    async def migrate(self) -> list[MigrationInfo]:
        """Apply pending migrations, one transaction each (on the writer thread, so no
        group-commit batch interleaves)."""
        assert self._writer is not None, "open() first"
        raw = self._writer.raw

        def run() -> list[MigrationInfo]:
            done: list[MigrationInfo] = []
            # BEGIN IMMEDIATE takes the write lock first, so two processes migrating the
            # same file at once apply each migration exactly once.
            raw.execute("BEGIN IMMEDIATE")
            try:
                status = plan(load_migrations("sqlite"), self._applied_sync(raw))
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            for m in status.pending:
                at = self.clock.now()
                raw.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_sqlite_script(m.sql):
                        raw.execute(statement)
                    raw.execute(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                        "VALUES (?, ?, ?, ?)",
                        (m.version, m.name, m.checksum, sqlite_ts(at)),
                    )
                    raw.execute("COMMIT")
                except BaseException:
                    raw.execute("ROLLBACK")
                    raise
                done.append(MigrationInfo(m.version, m.name, m.checksum, at))
            return done

        try:
            return await self._on_writer(run)
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc


def _sqlite_index(raw: sqlite3.Connection, name: str) -> ExistingIndex | None:
    row = raw.execute(
        "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
    ).fetchone()
    if row is None:
        return None
    table = row[0]
    # PRAGMA arguments cannot be bound; both names come from sqlite_master / validated config.
    columns = tuple(r[2] for r in raw.execute(f'PRAGMA index_info("{name}")'))
    unique = any(r[1] == name and r[2] for r in raw.execute(f'PRAGMA index_list("{table}")'))
    return ExistingIndex(table, columns, bool(unique))


__all__ = ["SqliteStore", "path_from_url", "translate_sqlite_error"]
