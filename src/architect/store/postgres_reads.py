"""The read side of the PostgreSQL store: pooled connections, no transaction
except where a consistent snapshot matters (``load_live_state``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from architect import errors
from architect.store.base import (
    Store,
    check_page_size,
    decode_page_token,
    encode_page_token,
)
from architect.store.postgres_writes import PgConn
from architect.store.records import (
    LIVE_TASK_STATUSES,
    AssignmentRecord,
    LiveState,
    SessionRecord,
    SessionState,
    TaskEventRecord,
    TaskFilter,
    TaskPage,
    TaskRecord,
)
from architect.store.rows import (
    POSTGRES,
    TASK_COLUMNS,
    assignment_from_row,
    event_from_row,
    session_from_row,
    task_from_row,
)

_LIST_TASKS = f"""
SELECT {TASK_COLUMNS} FROM tasks
WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
  AND ($2::text IS NULL OR type = $2)
  AND ($3::text IS NULL OR session_id = $3)
  AND ($4::text IS NULL OR workflow_id = $4)
  AND ($5::timestamptz IS NULL OR (created_at, id) > ($5, $6::text))
ORDER BY created_at, id
LIMIT $7
"""


class PostgresReads(Store):
    """Reads shared by ``PostgresStore``; the pool is created by its ``open()``."""

    _pool: Any = None

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """A pooled connection; driver errors inside become domain errors."""
        from architect.store.postgres import translate_pg_error

        if self._pool is None:
            raise errors.Unavailable("the store is closed")
        try:
            async with self._pool.acquire() as raw:
                yield raw
        except errors.ArchitectError:
            raise
        except Exception as exc:
            raise translate_pg_error(exc) from exc

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self._connection() as raw:
            return await PgConn(raw, self.stats).fetch(sql, *args)

    async def get_task(self, task_id: str) -> TaskRecord:
        """See ``Store.get_task``."""
        rows = await self._fetch(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1", task_id)
        if not rows:
            raise errors.NotFound(f"task {task_id} does not exist")
        return task_from_row(rows[0], POSTGRES)

    async def list_tasks(
        self, where: TaskFilter | None = None, *, page_size: int = 100, page_token: str = ""
    ) -> TaskPage:
        """See ``Store.list_tasks``."""
        where = where or TaskFilter()
        check_page_size(page_size)
        after = decode_page_token(page_token) if page_token else None
        rows = await self._fetch(
            _LIST_TASKS,
            list(where.statuses) if where.statuses else None,
            where.type,
            where.session_id,
            where.workflow_id,
            after[0] if after else None,
            after[1] if after else None,
            page_size + 1,
        )
        tasks = tuple(task_from_row(r, POSTGRES) for r in rows[:page_size])
        token = ""
        if len(rows) > page_size:
            token = encode_page_token(tasks[-1].created_at, tasks[-1].id)
        return TaskPage(tasks, token)

    async def get_session(self, session_id: str) -> SessionRecord:
        """See ``Store.get_session``."""
        rows = await self._fetch("SELECT * FROM sessions WHERE id = $1", session_id)
        if not rows:
            raise errors.NotFound(f"session {session_id} does not exist")
        return session_from_row(rows[0], POSTGRES)

    async def list_sessions(self, states: Sequence[SessionState] = ()) -> list[SessionRecord]:
        """See ``Store.list_sessions``."""
        rows = await self._fetch(
            "SELECT * FROM sessions WHERE ($1::text[] IS NULL OR state = ANY($1::text[])) "
            "ORDER BY name",
            list(states) if states else None,
        )
        return [session_from_row(r, POSTGRES) for r in rows]

    async def list_assignments(self, task_id: str) -> list[AssignmentRecord]:
        """See ``Store.list_assignments``."""
        rows = await self._fetch(
            "SELECT * FROM assignments WHERE task_id = $1 ORDER BY attempt", task_id
        )
        return [assignment_from_row(r, POSTGRES) for r in rows]

    async def list_task_events(self, task_id: str) -> list[TaskEventRecord]:
        """See ``Store.list_task_events``."""
        rows = await self._fetch(
            "SELECT * FROM task_events WHERE task_id = $1 ORDER BY id", task_id
        )
        return [event_from_row(r, POSTGRES) for r in rows]

    async def load_live_state(self) -> LiveState:
        """See ``Store.load_live_state``: three statements in one REPEATABLE READ snapshot."""
        async with self._connection() as raw:
            conn = PgConn(raw, self.stats)
            async with raw.transaction(isolation="repeatable_read", readonly=True):
                sessions = await conn.fetch("SELECT * FROM sessions WHERE state <> 'offline'")
                tasks = await conn.fetch(
                    f"SELECT {TASK_COLUMNS} FROM tasks WHERE status = ANY($1::text[])",
                    list(LIVE_TASK_STATUSES),
                )
                assignments = await conn.fetch("SELECT * FROM assignments WHERE status = 'active'")
        return LiveState(
            tuple(session_from_row(r, POSTGRES) for r in sessions),
            tuple(task_from_row(r, POSTGRES) for r in tasks),
            tuple(assignment_from_row(r, POSTGRES) for r in assignments),
        )
