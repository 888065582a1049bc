"""The routing service's in-memory view of the fleet: sessions, live assignments.

The database is the durable record; these objects are what the engine reads on
every call and what it rebuilds from ``Store.load_live_state()`` at start. They
are only touched from the event loop, so they need no locks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from architect.store.records import SessionRecord, SessionState, TaskRecord
from architect.v1 import routing_pb2


@dataclass(slots=True)
class LiveAssignment:
    """One active attempt: the fencing token and the lease the worker must renew."""

    task: TaskRecord
    session_id: str
    attempt: int
    assigned_at: datetime
    lease_expires_at: datetime
    #: Set when the lease moved in memory and the store has not seen it yet.
    lease_dirty: bool = False

    @property
    def task_id(self) -> str:
        return self.task.id


class Connection:
    """One open SessionStream: the outbox the stream's writer drains."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.outbox: asyncio.Queue[routing_pb2.SessionStreamResponse | None] = asyncio.Queue()
        #: Why the stream must end, when it must (superseded, deregistered, shutdown).
        self.closed_reason: str | None = None
        #: How it ends: "ok" (deregistered, client done), "aborted" (superseded, offline)
        #: or "unavailable" (the server is shutting down; reconnect).
        self.closed_code = "ok"

    def send(self, message: routing_pb2.SessionStreamResponse) -> None:
        """Queue a message for the worker (never blocks; the queue is unbounded because
        what goes out is bounded by the session's capacity and its own requests)."""
        if self.closed_reason is None:
            self.outbox.put_nowait(message)

    def close(self, reason: str, *, code: str = "aborted") -> None:
        """End the stream after what is queued, with status ``code`` (see ``closed_code``)."""
        if self.closed_reason is None:
            self.closed_reason = reason
            self.closed_code = code
            self.outbox.put_nowait(None)


@dataclass(slots=True)
class LiveSession:
    """A registered session as the engine tracks it."""

    record: SessionRecord
    #: The state stored in the database (idle stands for "accepting": BUSY is derived).
    state: SessionState
    last_beat: datetime
    #: Task id -> its live assignment on this session.
    tasks: dict[str, LiveAssignment] = field(default_factory=dict)
    connection: Connection | None = None
    #: Set when ``last_beat`` moved and the store has not seen it yet.
    beat_dirty: bool = False
    #: Milliseconds timestamp of the last assignment (tie-break: least recently assigned).
    last_assigned_ms: int = 0

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def accepting(self) -> bool:
        """Takes new work: connected, and neither draining, waiting for a human nor offline."""
        return self.connection is not None and self.state == "idle"

    @property
    def reported_state(self) -> SessionState:
        """The state clients see: an accepting session holding work is BUSY."""
        if self.state == "idle" and self.tasks:
            return "busy"
        return self.state
