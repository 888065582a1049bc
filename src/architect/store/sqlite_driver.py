"""The sqlite3 driver as the SQLite store uses it: URLs, connections, error translation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from architect import errors

BUSY_TIMEOUT_MS = 10_000


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


def connect(path: Path, *, reader: bool) -> sqlite3.Connection:
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
