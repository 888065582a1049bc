"""The production store: PostgreSQL through an asyncpg pool.

Writes go through group commit: the writer takes one pooled connection per
batch and runs the batch in one transaction, operations of one kind merged
into one statement per table (``architect.store.batching``,
``postgres_kinds``). It first runs the groups without savepoints; if one
fails, it rolls back and replays the batch with that group one operation at a
time, each in a savepoint, so that the failing caller fails alone (see
``_BatchRun``).

``synchronous_commit`` stays at the server default (on): COMMIT returns after
the WAL is flushed, and only then are callers answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Sequence
from typing import Any

import asyncpg

from architect import errors
from architect.clock import Clock
from architect.store.base import Dialect, check_readonly_limits
from architect.store.batching import Group, Op, plan_groups
from architect.store.group_commit import GroupCommitOptions, GroupCommitter, OpFailed
from architect.store.indexes import ExistingIndex, IndexReport, create_index_sql, mismatch
from architect.store.migrate import (
    SCHEMA_MIGRATIONS_DDL,
    MigrationInfo,
    MigrationStatus,
    load_migrations,
    plan,
)
from architect.store.postgres_kinds import POSTGRES_KINDS
from architect.store.postgres_reads import PostgresReads
from architect.store.postgres_writes import PgConn
from architect.store.records import IndexSpec, QueryResult
from architect.store.writes import GroupCommitWrites

#: Key of the advisory lock that serialises migrations across replicas ("archmigr").
MIGRATION_LOCK_KEY = 0x617263686D696772

_CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    ConnectionError,
    OSError,
)


def translate_pg_error(exc: BaseException) -> BaseException:
    """An asyncpg (or socket) error as a domain error; anything else unchanged."""
    if isinstance(exc, errors.ArchitectError):
        return exc
    if isinstance(exc, asyncpg.UniqueViolationError):
        if exc.constraint_name == "uq_assignments_one_active":
            return errors.AlreadyAssigned("the task already has an active assignment")
        return errors.AlreadyExists(f"a row with the same key already exists ({exc.detail})")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return errors.FailedPrecondition("a referenced row does not exist")
    if isinstance(exc, asyncpg.QueryCanceledError | TimeoutError):
        return errors.DeadlineExceeded("the statement ran past its time limit and was stopped")
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return errors.ReadOnlyViolation("read-only queries may not change data")
    if isinstance(exc, asyncpg.SyntaxOrAccessError | asyncpg.DataError):
        return errors.InvalidArgument(f"the statement is not valid: {exc}")
    if isinstance(exc, asyncpg.TransactionRollbackError):
        return errors.Unavailable("the transaction hit a concurrent update; retry")
    if isinstance(exc, (asyncpg.OperatorInterventionError, *_CONNECTION_ERRORS)):
        return errors.Unavailable(f"the database cannot be reached: {exc}")
    return exc


async def _init_connection(conn: Any) -> None:
    # jsonb: we send JSON already encoded as text (so a batch can travel as text[]) and
    # decode what comes back.
    for name in ("jsonb", "json"):
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=str, decoder=json.loads, format="text"
        )


class PostgresStore(PostgresReads, GroupCommitWrites):
    """The PostgreSQL implementation of ``Store`` (see the module docstring)."""

    def __init__(
        self, url: str, clock: Clock, group_commit: GroupCommitOptions, min_size: int, max_size: int
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._options = group_commit
        self._min_size = min_size
        self._max_size = max_size
        self._kinds = POSTGRES_KINDS

    @property
    def dialect(self) -> Dialect:
        """Always ``'postgres'``."""
        return "postgres"

    async def open(self) -> None:
        """Create the pool (``Unavailable`` if the server cannot be reached)."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                init=_init_connection,
            )
        except Exception as exc:
            raise _unreachable(exc) from exc
        self._committer = GroupCommitter(
            self._run_batch, self._options, translate_pg_error, keys_of=_keys_of
        )

    async def close(self) -> None:
        """Finish queued writes, then close the pool."""
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    # -- group commit ----------------------------------------------------------------

    async def _run_batch(self, ops: Sequence[Op[Any]]) -> list[Any]:
        assert self._pool is not None
        self.stats.batches += 1
        try:
            async with self._pool.acquire() as raw:
                batch = _BatchRun(raw, PgConn(raw, self.stats), self.clock, ops)
                outcomes = await batch.run()
        except BaseException:
            self.stats.failed_batches += 1
            raise
        self.stats.transactions += batch.committed
        return outcomes

    # -- migrations ------------------------------------------------------------------

    async def _applied(self, raw: Any) -> list[MigrationInfo]:
        await raw.execute(SCHEMA_MIGRATIONS_DDL["postgres"])
        rows = await raw.fetch("SELECT version, name, checksum, applied_at FROM schema_migrations")
        return [MigrationInfo(r[0], r[1], r[2], r[3]) for r in rows]

    async def migration_status(self) -> MigrationStatus:
        """Applied and pending migrations."""
        async with self._connection() as raw:
            return plan(load_migrations("postgres"), await self._applied(raw))

    async def migrate(self) -> list[MigrationInfo]:
        """Apply pending migrations, one transaction each, under an advisory lock so that
        replicas starting together apply each one exactly once."""
        done: list[MigrationInfo] = []
        async with self._connection() as raw:
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            try:
                status = plan(load_migrations("postgres"), await self._applied(raw))
                for m in status.pending:
                    at = self.clock.now()
                    async with raw.transaction():
                        await raw.execute(m.sql)
                        await raw.execute(
                            "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                            "VALUES ($1, $2, $3, $4)",
                            m.version, m.name, m.checksum, at,
                        )  # fmt: skip
                    done.append(MigrationInfo(m.version, m.name, m.checksum, at))
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        return done

    async def ensure_indexes(self, specs: Sequence[IndexSpec]) -> IndexReport:
        """See ``Store.ensure_indexes``. ``CREATE INDEX CONCURRENTLY`` runs outside any
        transaction and does not block writers; a failed build leaves an invalid index
        behind, which is dropped so that the next attempt starts clean."""
        created: list[str] = []
        mismatched: list[str] = []
        async with self._connection() as raw:
            for spec in specs:
                row = await raw.fetchrow(_INDEX_SHAPE, spec.name)
                if row is None:
                    try:
                        await raw.execute(create_index_sql(spec, concurrently=True))
                    except Exception:
                        await raw.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{spec.name}"')
                        raise
                    created.append(spec.name)
                    continue
                found = ExistingIndex(row["tbl"], tuple(row["cols"]), row["uniq"])
                if problem := mismatch(spec, found):
                    mismatched.append(problem)
        return IndexReport(tuple(created), tuple(mismatched))

    async def fetch_readonly(
        self, sql: str, args: Sequence[Any], *, timeout_s: float, max_rows: int
    ) -> QueryResult:
        """See ``Store.fetch_readonly``: ``BEGIN READ ONLY`` with a transaction-local
        ``statement_timeout``; rows are read through a cursor so at most ``max_rows + 1``
        ever leave the server."""
        check_readonly_limits(timeout_s, max_rows)
        timeout_ms = max(1, math.ceil(timeout_s * 1000))
        async with self._connection() as raw:
            conn = PgConn(raw, self.stats)
            try:
                async with raw.transaction(readonly=True):
                    await conn.execute(
                        "SELECT set_config('statement_timeout', $1, true)", f"{timeout_ms}ms"
                    )
                    self.stats.statements += 1
                    stmt = await raw.prepare(sql)
                    cursor = await stmt.cursor(*args)
                    rows = await cursor.fetch(max_rows + 1)
                    attributes = stmt.get_attributes()
            except Exception as exc:
                raise translate_pg_error(exc) from exc
        return QueryResult(
            tuple(a.name for a in attributes),
            tuple(tuple(r) for r in rows[:max_rows]),
            len(rows) > max_rows,
            tuple(a.type.name for a in attributes),
        )


#: The table, columns and uniqueness of an index, by name.
_INDEX_SHAPE = """
SELECT t.relname AS tbl, i.indisunique AS uniq,
       ARRAY(SELECT a.attname::text
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, n)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.n) AS cols
FROM pg_class c
JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_class t ON t.oid = i.indrelid
WHERE c.relname = $1 AND c.relkind = 'i' AND pg_table_is_visible(c.oid)
"""


def _keys_of(op: Op[Any]) -> frozenset[str] | None:
    return op.keys


def _is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, (*_CONNECTION_ERRORS, asyncio.CancelledError))


def _unreachable(exc: BaseException) -> BaseException:
    translated = translate_pg_error(exc)
    if isinstance(translated, errors.ArchitectError):
        return translated
    return errors.Unavailable(f"cannot connect to PostgreSQL: {exc}")


class _BatchRun:
    """One group-commit batch on one connection, in one transaction.

    First try: every group merged (see ``architect.store.batching``), no savepoints:
    a savepoint costs two round trips, which is what merging saves. If a group fails,
    the transaction is rolled back and the batch replayed: the failing group one
    operation at a time, each in its own savepoint, so the failing caller fails alone;
    every other group merged inside a savepoint, falling back the same way should it
    fail this time. Operations are safe to replay: nothing of the first try committed.
    """

    def __init__(self, raw: Any, conn: PgConn, clock: Clock, ops: Sequence[Op[Any]]) -> None:
        self._raw = raw
        self._conn = conn
        self._clock = clock
        self._ops = ops
        self._groups = plan_groups(ops)
        self._out: list[Any] = [None] * len(ops)
        self.committed = False

    async def run(self) -> list[Any]:
        """Each operation's outcome (a result or an ``OpFailed``), once committed."""
        failed = await self._transaction(None)
        if failed is not None:
            await self._transaction(failed)
        return self._out

    async def _transaction(self, careful: int | None) -> int | None:
        """Run the batch; return the index of the group that failed on a first try."""
        tx = self._raw.transaction()
        await tx.start()
        try:
            for i, group in enumerate(self._groups):
                if careful is None:
                    try:
                        await self._merged(group)
                    except Exception as exc:
                        if _is_connection_error(exc):
                            raise
                        await tx.rollback()
                        if len(self._ops) > 1:
                            return i
                        # A lone operation failed alone: nothing to replay.
                        self._out[0] = OpFailed(translate_pg_error(exc))
                        return None
                elif i == careful:
                    await self._one_by_one(group)
                else:
                    await self._guarded(group)
        except BaseException:
            if not self._raw.is_closed():
                # A broken connection cannot roll back; the pool discards it anyway.
                with contextlib.suppress(Exception):
                    await tx.rollback()
            raise
        await tx.commit()
        self.committed = True
        return None

    async def _merged(self, group: Group[Any]) -> None:
        args = [self._ops[i].arg for i in group.members]
        outcomes = await group.kind.run(self._conn, self._clock.now(), args)
        for i, outcome in zip(group.members, outcomes, strict=True):
            self._out[i] = outcome

    async def _guarded(self, group: Group[Any]) -> None:
        if len(group.members) == 1:
            await self._one_by_one(group)
            return
        savepoint = self._raw.transaction()
        await savepoint.start()
        try:
            await self._merged(group)
        except Exception as exc:
            if _is_connection_error(exc):
                raise
            await savepoint.rollback()
            await self._one_by_one(group)
        else:
            await savepoint.commit()

    async def _one_by_one(self, group: Group[Any]) -> None:
        now = self._clock.now()
        for i in group.members:
            savepoint = self._raw.transaction()
            await savepoint.start()
            try:
                (outcome,) = await group.kind.run(self._conn, now, [self._ops[i].arg])
            except Exception as exc:
                if _is_connection_error(exc):
                    raise
                await savepoint.rollback()
                self._out[i] = OpFailed(translate_pg_error(exc))
            else:
                await savepoint.commit()
                self._out[i] = outcome
