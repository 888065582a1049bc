"""The read side of the SQLite store: a small pool of reader threads, each with its
own ``query_only`` connection (WAL lets them read while the writer writes)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from architect import errors
from architect.clock import Clock
from architect.store.base import (
    Store,
    check_page_size,
    check_readonly_limits,
    decode_page_token,
    encode_page_token,
)
from architect.store.records import (
    LIVE_TASK_STATUSES,
    AssignmentRecord,
    LiveState,
    QueryResult,
    SessionRecord,
    SessionState,
    TaskEventRecord,
    TaskFilter,
    TaskPage,
    TaskRecord,
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
from architect.store.sqlite_driver import connect, translate_sqlite_error
from architect.store.sqlite_writes import SqliteConn

T = TypeVar("T")

READER_THREADS = 4


class SqliteReads(Store):
    """Reads shared by ``SqliteStore``: reader threads, each with its own connection."""

    def __init__(self, path: Path, clock: Clock) -> None:
        super().__init__(clock)
        self.path = path
        self._reader_pool = ThreadPoolExecutor(
            READER_THREADS, thread_name_prefix="architect-sqlite-reader"
        )
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def _close_readers(self) -> None:
        self._reader_pool.shutdown(wait=True)
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def _reader(self) -> SqliteConn:
        conn: SqliteConn | None = getattr(self._local, "conn", None)
        if conn is None:
            raw = connect(self.path, reader=True)
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
