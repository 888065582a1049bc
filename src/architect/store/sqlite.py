"""The embedded store: SQLite in WAL mode with synchronous=FULL.

Threads: one writer thread owns the only write connection; every write runs
there, batched by group commit into one ``BEGIN IMMEDIATE ... COMMIT`` with a
savepoint per operation. Reads run on a small pool of reader threads, each
with its own ``query_only`` connection (WAL lets them read while the writer
writes). The event loop only awaits futures; it never touches SQLite itself.

Durability: with WAL and synchronous=FULL, COMMIT returns after the WAL is
fsynced, so a committed (and thus acknowledged) write survives a crash or a
power cut.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from architect import errors
from architect.clock import Clock
from architect.store import sqlite_writes as w
from architect.store.base import (
    Dialect,
    Store,
    check_page_size,
    check_readonly_limits,
    decode_page_token,
    distinct_tasks,
    encode_page_token,
)
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
from architect.store.records import (
    LIVE_TASK_STATUSES,
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
    SessionState,
    TaskEventRecord,
    TaskFilter,
    TaskPage,
    TaskRecord,
    new_id,
)
from architect.store.rows import (
    SQLITE,
    TASK_COLUMNS,
    assignment_from_row,
    dump_json,
    event_from_row,
    session_from_row,
    sqlite_ts,
    task_from_row,
)
from architect.store.sqlite_writes import SqliteConn

T = TypeVar("T")
WriteOp = Callable[[SqliteConn], Any]

BUSY_TIMEOUT_MS = 10_000
READER_THREADS = 4


def translate_sqlite_error(exc: BaseException) -> BaseException:
    """A sqlite3 error as a domain error; anything else unchanged."""
    if isinstance(exc, errors.ArchitectError) or not isinstance(exc, sqlite3.Error):
        return exc
    msg = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        if msg == "UNIQUE constraint failed: assignments.task_id":
            return errors.AlreadyAssigned("the task already has an active assignment")
        if msg.startswith("UNIQUE constraint failed"):
            what = msg.removeprefix("UNIQUE constraint failed: ")
            return errors.AlreadyExists(f"a row with the same {what} already exists")
        if "FOREIGN KEY" in msg:
            return errors.FailedPrecondition("a referenced row does not exist")
        return errors.FailedPrecondition(f"the change breaks a database constraint ({msg})")
    if msg == "interrupted":
        return errors.DeadlineExceeded("the query ran past its time limit and was stopped")
    if "readonly database" in msg or "read-only" in msg:
        return errors.ReadOnlyViolation("read-only queries may not change data")
    if "database is locked" in msg or "database is busy" in msg:
        return errors.Unavailable("the database is locked by another process; retry later")
    if "unable to open" in msg or "disk I/O" in msg or "disk is full" in msg:
        return errors.Unavailable(f"the database file cannot be used: {msg}")
    if isinstance(exc, sqlite3.OperationalError | sqlite3.ProgrammingError):
        return errors.InvalidArgument(f"the statement is not valid: {msg}")
    return errors.Unavailable(f"database error: {msg}")


def path_from_url(url: str) -> Path:
    """``sqlite:///relative/path`` or ``sqlite:////absolute/path`` as a path."""
    if not url.startswith("sqlite:///"):
        raise errors.InvalidArgument(f"not a SQLite URL (want sqlite:///PATH): {url}")
    rest = url.removeprefix("sqlite:///")
    if not rest or rest.startswith(":memory:"):
        raise errors.InvalidArgument(
            "the SQLite store needs a file (several connections share it), not :memory:"
        )
    return Path(rest)


def _connect(path: Path, *, reader: bool) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves; check_same_thread=False
    # because close() runs on another thread, but each connection is used by one thread.
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if reader:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


class SqliteStore(Store):
    """The SQLite implementation of ``Store`` (see the module docstring)."""

    def __init__(self, path: Path, clock: Clock, group_commit: GroupCommitOptions) -> None:
        super().__init__(clock)
        self.path = path
        self._options = group_commit
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="architect-sqlite-writer")
        self._reader_pool = ThreadPoolExecutor(
            READER_THREADS, thread_name_prefix="architect-sqlite-reader"
        )
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer: SqliteConn | None = None
        self._committer: GroupCommitter[WriteOp] | None = None

    @property
    def dialect(self) -> Dialect:
        """Always ``'sqlite'``."""
        return "sqlite"

    async def open(self) -> None:
        """Create the data directory and the writer connection; start group commit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            raw = await self._on_writer(lambda: _connect(self.path, reader=False))
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc
        self._writer = SqliteConn(raw, self.stats)
        self._committer = GroupCommitter(self._run_batch, self._options, translate_sqlite_error)

    async def close(self) -> None:
        """Finish queued writes, then close every connection and thread."""
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await self._on_writer(writer.raw.close)
        self._writer_pool.shutdown(wait=True)
        self._reader_pool.shutdown(wait=True)
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    # -- plumbing --------------------------------------------------------------------

    async def _on_writer(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer_pool, fn)

    def _run_batch(self, ops: Sequence[WriteOp]) -> Any:
        return self._on_writer(lambda: self._run_batch_sync(ops))

    def _run_batch_sync(self, ops: Sequence[WriteOp]) -> list[Any]:
        assert self._writer is not None
        raw = self._writer.raw
        self.stats.batches += 1
        raw.execute("BEGIN IMMEDIATE")
        try:
            outcomes: list[Any] = []
            for op in ops:
                raw.execute("SAVEPOINT op")
                try:
                    outcomes.append(op(self._writer))
                except Exception as exc:
                    raw.execute("ROLLBACK TO op")
                    outcomes.append(OpFailed(translate_sqlite_error(exc)))
                raw.execute("RELEASE op")
            raw.execute("COMMIT")
        except BaseException:
            self.stats.failed_batches += 1
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
        self.stats.transactions += 1
        return outcomes

    async def _write(self, op: WriteOp) -> Any:
        if self._committer is None:
            raise errors.Unavailable("the store is closed")
        return await self._committer.submit(op)

    def _reader(self) -> SqliteConn:
        conn: SqliteConn | None = getattr(self._local, "conn", None)
        if conn is None:
            raw = _connect(self.path, reader=True)
            with self._readers_lock:
                self._readers.append(raw)
            conn = self._local.conn = SqliteConn(raw, self.stats)
        return conn

    async def _read(self, fn: Callable[[SqliteConn], T]) -> T:
        def run() -> T:
            try:
                return fn(self._reader())
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc) from exc

        return await asyncio.get_running_loop().run_in_executor(self._reader_pool, run)

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

    # -- writes ----------------------------------------------------------------------

    async def insert_tasks(self, tasks: Sequence[NewTask]) -> list[tuple[TaskRecord, bool]]:
        """See ``Store.insert_tasks``."""
        if not tasks:
            return []
        items = list(tasks)
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

    # -- reads -----------------------------------------------------------------------

    async def get_task(self, task_id: str) -> TaskRecord:
        """See ``Store.get_task``."""
        rows = await self._read(
            lambda c: c.fetchall(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?", [task_id])
        )
        if not rows:
            raise errors.NotFound(f"task {task_id} does not exist")
        return task_from_row(rows[0], SQLITE)

    async def list_tasks(
        self, where: TaskFilter | None = None, *, page_size: int = 100, page_token: str = ""
    ) -> TaskPage:
        """See ``Store.list_tasks``."""
        where = where or TaskFilter()
        check_page_size(page_size)
        after = decode_page_token(page_token) if page_token else None
        # One fixed statement: a NULL parameter switches its filter off.
        sql = (
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE "
            "(?1 IS NULL OR status IN (SELECT value FROM json_each(?1))) "
            "AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR session_id = ?3) "
            "AND (?4 IS NULL OR workflow_id = ?4) "
            "AND (?5 IS NULL OR (created_at, id) > (?5, ?6)) "
            "ORDER BY created_at, id LIMIT ?7"
        )
        args = [
            dump_json(list(where.statuses)) if where.statuses else None,
            where.type,
            where.session_id,
            where.workflow_id,
            sqlite_ts(after[0]) if after else None,
            after[1] if after else None,
            page_size + 1,
        ]
        rows = await self._read(lambda c: c.fetchall(sql, args))
        tasks = tuple(task_from_row(r, SQLITE) for r in rows[:page_size])
        token = ""
        if len(rows) > page_size:
            token = encode_page_token(tasks[-1].created_at, tasks[-1].id)
        return TaskPage(tasks, token)

    async def get_session(self, session_id: str) -> SessionRecord:
        """See ``Store.get_session``."""
        rows = await self._read(
            lambda c: c.fetchall("SELECT * FROM sessions WHERE id = ?", [session_id])
        )
        if not rows:
            raise errors.NotFound(f"session {session_id} does not exist")
        return session_from_row(rows[0], SQLITE)

    async def list_sessions(self, states: Sequence[SessionState] = ()) -> list[SessionRecord]:
        """See ``Store.list_sessions``."""
        arg = dump_json(list(states)) if states else None
        rows = await self._read(
            lambda c: c.fetchall(
                "SELECT * FROM sessions WHERE (?1 IS NULL OR state IN "
                "(SELECT value FROM json_each(?1))) ORDER BY name",
                [arg],
            )
        )
        return [session_from_row(r, SQLITE) for r in rows]

    async def list_assignments(self, task_id: str) -> list[AssignmentRecord]:
        """See ``Store.list_assignments``."""
        rows = await self._read(
            lambda c: c.fetchall(
                "SELECT * FROM assignments WHERE task_id = ? ORDER BY attempt", [task_id]
            )
        )
        return [assignment_from_row(r, SQLITE) for r in rows]

    async def list_task_events(self, task_id: str) -> list[TaskEventRecord]:
        """See ``Store.list_task_events``."""
        rows = await self._read(
            lambda c: c.fetchall(
                "SELECT * FROM task_events WHERE task_id = ? ORDER BY id", [task_id]
            )
        )
        return [event_from_row(r, SQLITE) for r in rows]

    async def load_live_state(self) -> LiveState:
        """See ``Store.load_live_state``: three statements in one read transaction."""
        live = dump_json(list(LIVE_TASK_STATUSES))

        def run(c: SqliteConn) -> LiveState:
            c.raw.execute("BEGIN")  # one snapshot for the three reads
            try:
                sessions = c.fetchall("SELECT * FROM sessions WHERE state != 'offline'")
                tasks = c.fetchall(
                    f"SELECT {TASK_COLUMNS} FROM tasks WHERE status IN "
                    "(SELECT value FROM json_each(?))",
                    [live],
                )
                assignments = c.fetchall("SELECT * FROM assignments WHERE status = 'active'")
            finally:
                c.raw.execute("COMMIT")
            return LiveState(
                tuple(session_from_row(r, SQLITE) for r in sessions),
                tuple(task_from_row(r, SQLITE) for r in tasks),
                tuple(assignment_from_row(r, SQLITE) for r in assignments),
            )

        return await self._read(run)

    async def fetch_readonly(
        self, sql: str, args: Sequence[Any], *, timeout_s: float, max_rows: int
    ) -> QueryResult:
        """See ``Store.fetch_readonly``: a ``query_only`` reader connection, stopped by a
        progress handler once ``timeout_s`` has passed."""
        check_readonly_limits(timeout_s, max_rows)
        params = list(args)

        def run(c: SqliteConn) -> QueryResult:
            deadline = time.monotonic() + timeout_s
            c.raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
            try:
                cur = c.execute(sql, params)
                rows = cur.fetchmany(max_rows + 1)
                columns = tuple(d[0] for d in cur.description or ())
                cur.close()
            finally:
                c.raw.set_progress_handler(None, 0)
            return QueryResult(
                columns, tuple(tuple(r) for r in rows[:max_rows]), len(rows) > max_rows
            )

        return await self._read(run)


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
