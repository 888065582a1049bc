"""The production store: PostgreSQL through an asyncpg pool.

Writes go through group commit: the writer takes one pooled connection per
batch and runs the batch's operations in one transaction. It first runs them
without savepoints (three round trips fewer per operation: SAVEPOINT, RELEASE
and their waits); if any operation fails, it rolls the whole transaction back
and replays the batch with a savepoint around each operation, so that the
failing one fails alone. Operations are plain SQL on the connection and safe
to replay, since nothing of the first try was committed.

``synchronous_commit`` stays at the server default (on): COMMIT returns after
the WAL is flushed, and only then are callers answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from architect import errors
from architect.clock import Clock
from architect.store import postgres_writes as w
from architect.store.base import Dialect, check_readonly_limits, distinct_tasks
from architect.store.group_commit import GroupCommitOptions, GroupCommitter, OpFailed
from architect.store.indexes import ExistingIndex, IndexReport, create_index_sql, mismatch
from architect.store.migrate import (
    SCHEMA_MIGRATIONS_DDL,
    MigrationInfo,
    MigrationStatus,
    load_migrations,
    plan,
)
from architect.store.postgres_reads import PostgresReads
from architect.store.postgres_writes import PgConn
from architect.store.records import (
    AssignmentRecord,
    AttemptRef,
    Finish,
    IndexSpec,
    LeaseExtension,
    NewAssignment,
    NewSession,
    NewTask,
    NewTaskEvent,
    QueryResult,
    SessionRecord,
    SessionState,
    TaskRecord,
    new_id,
)

T = TypeVar("T")
WriteOp = Callable[[PgConn], Awaitable[Any]]

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


class PostgresStore(PostgresReads):
    """The PostgreSQL implementation of ``Store`` (see the module docstring)."""

    def __init__(
        self, url: str, clock: Clock, group_commit: GroupCommitOptions, min_size: int, max_size: int
    ) -> None:
        super().__init__(clock)
        self.url = url
        self._options = group_commit
        self._min_size = min_size
        self._max_size = max_size
        self._committer: GroupCommitter[WriteOp] | None = None

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
        self._committer = GroupCommitter(self._run_batch, self._options, translate_pg_error)

    async def close(self) -> None:
        """Finish queued writes, then close the pool."""
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    # -- group commit ----------------------------------------------------------------

    async def _run_batch(self, ops: Sequence[WriteOp]) -> list[Any]:
        assert self._pool is not None
        self.stats.batches += 1
        try:
            async with self._pool.acquire() as raw:
                conn = PgConn(raw, self.stats)
                outcomes = await self._try_batch(raw, conn, ops, savepoints=False)
                if outcomes is None:
                    outcomes = await self._try_batch(raw, conn, ops, savepoints=True)
        except BaseException:
            self.stats.failed_batches += 1
            raise
        assert outcomes is not None
        return outcomes

    async def _try_batch(
        self, raw: Any, conn: PgConn, ops: Sequence[WriteOp], *, savepoints: bool
    ) -> list[Any] | None:
        """Run ``ops`` in one transaction. Without savepoints, return None (after rolling
        back) as soon as one fails, so the caller can replay the batch with savepoints."""
        outcomes: list[Any] = []
        tx = raw.transaction()
        await tx.start()
        try:
            for op in ops:
                if not savepoints:
                    try:
                        outcomes.append(await op(conn))
                    except Exception as exc:
                        if len(ops) == 1:  # nothing to replay: it failed alone
                            await tx.rollback()
                            return [OpFailed(translate_pg_error(exc))]
                        if _is_connection_error(exc):
                            raise
                        await tx.rollback()
                        return None
                    continue
                savepoint = raw.transaction()
                await savepoint.start()
                try:
                    outcomes.append(await op(conn))
                except Exception as exc:
                    if _is_connection_error(exc):
                        raise
                    await savepoint.rollback()
                    outcomes.append(OpFailed(translate_pg_error(exc)))
                else:
                    await savepoint.commit()
        except BaseException:
            if not raw.is_closed():
                # A broken connection cannot roll back; the pool discards it anyway.
                with contextlib.suppress(Exception):
                    await tx.rollback()
            raise
        await tx.commit()
        self.stats.transactions += 1
        return outcomes

    async def _write(self, op: WriteOp) -> Any:
        if self._committer is None:
            raise errors.Unavailable("the store is closed")
        return await self._committer.submit(op)

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

    # -- writes ----------------------------------------------------------------------

    async def insert_tasks(self, tasks: Sequence[NewTask]) -> list[tuple[TaskRecord, bool]]:
        """See ``Store.insert_tasks``."""
        items = list(tasks)
        if not items:
            return []
        result: list[tuple[TaskRecord, bool]] = await self._write(
            lambda c: w.insert_tasks(c, self.clock.now(), items)
        )
        return result

    async def cancel_task(
        self, task_id: str, *, reason: str = "", config_version: str | None = None
    ) -> TaskRecord:
        """See ``Store.cancel_task``."""
        result: TaskRecord = await self._write(
            lambda c: w.cancel_task(c, self.clock.now(), task_id, reason, config_version)
        )
        return result

    async def upsert_session(self, session: NewSession) -> SessionRecord:
        """See ``Store.upsert_session``."""
        sid = new_id()
        result: SessionRecord = await self._write(
            lambda c: w.upsert_session(c, self.clock.now(), session, sid)
        )
        return result

    async def set_session_state(self, session_id: str, state: SessionState) -> SessionRecord:
        """See ``Store.set_session_state``."""
        result: SessionRecord = await self._write(
            lambda c: w.set_session_state(c, self.clock.now(), session_id, state)
        )
        return result

    async def record_heartbeats(self, beats: Sequence[tuple[str, datetime]]) -> int:
        """See ``Store.record_heartbeats``."""
        latest: dict[str, datetime] = {}
        for sid, at in beats:
            if sid not in latest or at > latest[sid]:
                latest[sid] = at
        if not latest:
            return 0
        result: int = await self._write(lambda c: w.record_heartbeats(c, latest))
        return result

    async def record_assignments(
        self, assignments: Sequence[NewAssignment]
    ) -> list[AssignmentRecord]:
        """See ``Store.record_assignments``."""
        items = distinct_tasks(assignments)
        if not items:
            return []
        result: list[AssignmentRecord] = await self._write(
            lambda c: w.record_assignments(c, self.clock.now(), items)
        )
        return result

    async def start_assignments(
        self, refs: Sequence[AttemptRef]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """See ``Store.start_assignments``."""
        items = list(refs)
        if not items:
            return []
        result: list[TaskRecord | errors.StaleAttempt] = await self._write(
            lambda c: w.start_assignments(c, self.clock.now(), items)
        )
        return result

    async def extend_leases(
        self, extensions: Sequence[LeaseExtension]
    ) -> list[AssignmentRecord | errors.StaleAttempt]:
        """See ``Store.extend_leases``."""
        items = list(extensions)
        if not items:
            return []
        result: list[AssignmentRecord | errors.StaleAttempt] = await self._write(
            lambda c: w.extend_leases(c, items)
        )
        return result

    async def finish_assignments(
        self, finishes: Sequence[Finish]
    ) -> list[TaskRecord | errors.StaleAttempt]:
        """See ``Store.finish_assignments``."""
        items = list(finishes)
        if not items:
            return []
        result: list[TaskRecord | errors.StaleAttempt] = await self._write(
            lambda c: w.finish_assignments(c, self.clock.now(), items)
        )
        return result

    async def append_task_events(self, events: Sequence[NewTaskEvent]) -> None:
        """See ``Store.append_task_events``."""
        items = list(events)
        if items:
            await self._write(lambda c: w.append_task_events(c, self.clock.now(), items))

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


def _is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, (*_CONNECTION_ERRORS, asyncio.CancelledError))


def _unreachable(exc: BaseException) -> BaseException:
    translated = translate_pg_error(exc)
    if isinstance(translated, errors.ArchitectError):
        return translated
    return errors.Unavailable(f"cannot connect to PostgreSQL: {exc}")
