"""The session half of the routing engine: register, connect, beat, drain, go offline."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from architect import errors
from architect.clock import Clock
from architect.routing import convert
from architect.routing.live import Connection, LiveAssignment, LiveSession
from architect.routing.policy import RoutingPolicy
from architect.routing.state import MatcherState
from architect.store import Store
from architect.store.records import NewSession, SessionRecord, SessionState

log = logging.getLogger(__name__)

#: States a session may ask for itself (OFFLINE only comes from deregistration or silence).
SETTABLE_STATES: frozenset[SessionState] = frozenset({"idle", "draining", "waiting_for_human"})


class SessionsMixin:
    """Session lifecycle for :class:`~architect.routing.engine.RoutingEngine`."""

    store: Store
    clock: Clock
    policy: RoutingPolicy
    state: MatcherState
    sessions: dict[str, LiveSession]
    live: dict[str, LiveAssignment]
    _wake: asyncio.Event

    def _release(self, la: LiveAssignment, cancel_reason: str | None = None) -> None:
        raise NotImplementedError  # provided by RoutingEngine

    async def register(self, spec: NewSession) -> LiveSession:
        """Register a session, or re-register one by name (same id, live work kept)."""
        known = self.policy.providers
        if known is not None and spec.provider not in known:
            raise errors.InvalidArgument(
                f"provider {spec.provider!r} is not configured in routing_rules.yaml; "
                f"known providers: {', '.join(sorted(known)) or 'none'}"
            )
        record = await self.store.upsert_session(spec)
        now = self.clock.now()
        session = self.sessions.get(record.id)
        if session is None:
            session = LiveSession(record=record, state=record.state, last_beat=now)
            self.sessions[record.id] = session
            # Work it held before it went offline was requeued then; none is live now.
        else:
            session.record = record
            session.state = record.state
            session.last_beat = now
            if session.connection is not None:
                session.connection.close("the session was registered again; open a new stream")
                session.connection = None
        session.beat_dirty = True
        self._sync_session(session, relabel=True)
        log.info(
            "session %s (%s, %s) registered with labels %s, capacity %d",
            record.name,
            record.id,
            record.provider,
            list(record.labels),
            record.capacity,
        )
        return session

    def get_live(self, session_id: str) -> LiveSession:
        """A session that is not offline, or ``NotFound``."""
        session = self.sessions.get(session_id)
        if session is None:
            raise errors.NotFound(
                f"session {session_id} is not registered or went offline; register it again"
            )
        return session

    def connect(self, session_id: str) -> tuple[LiveSession, Connection]:
        """Open the session's stream; a previous stream of the same session is superseded."""
        session = self.get_live(session_id)
        if session.connection is not None:
            session.connection.close("superseded by a newer stream of the same session")
        conn = Connection(session_id)
        session.connection = conn
        self.beat(session_id)
        self._sync_session(session)
        self._wake.set()
        return session, conn

    def resend_live(self, session: LiveSession, conn: Connection) -> None:
        """Send a reconnecting worker every assignment it still holds."""
        for la in session.tasks.values():
            conn.send(convert.assigned_message(la))

    def disconnect(self, conn: Connection) -> None:
        """The stream ended: the session takes no new work until it reconnects."""
        session = self.sessions.get(conn.session_id)
        if session is not None and session.connection is conn:
            session.connection = None
            self._sync_session(session)

    def beat(self, session_id: str) -> LiveSession:
        """The session is alive (kept in memory; flushed in batches)."""
        session = self.get_live(session_id)
        session.last_beat = self.clock.now()
        session.beat_dirty = True
        return session

    async def set_session_state(self, session_id: str, state: SessionState) -> LiveSession:
        """IDLE (accepting), DRAINING or WAITING_FOR_HUMAN, as the session or an operator asks."""
        if state not in SETTABLE_STATES:
            raise errors.InvalidArgument(
                f"a session cannot be set to {state}; use idle, draining or waiting_for_human"
            )
        session = self.get_live(session_id)
        if session.state != state:
            session.record = await self.store.set_session_state(session_id, state)
            session.state = state
            self._sync_session(session)
            log.info("session %s is now %s", session.record.name, state)
            if state == "idle":
                self._wake.set()
        return session

    async def deregister(self, session_id: str, *, force: bool) -> SessionRecord:
        """Take a session out of routing (OFFLINE); with ``force`` its work is requeued."""
        session = self.get_live(session_id)
        if session.tasks and not force:
            raise errors.FailedPrecondition(
                f"session {session.record.name} holds {len(session.tasks)} assignment(s); "
                "drain it first, or deregister with force to requeue them"
            )
        record = await self._go_offline(session, "deregistered", code="ok")
        return record

    async def _go_offline(self, session: LiveSession, why: str, *, code: str) -> SessionRecord:
        record = await self.store.set_session_state(session.id, "offline")
        now = self.clock.now()
        for la in session.tasks.values():
            la.lease_expires_at = now  # the next sweep requeues them
        self.sessions.pop(session.id, None)
        if session.id in self.state.session_slot:
            self.state.remove_session(session.id)
        if session.connection is not None:
            session.connection.close(f"the session is offline: {why}", code=code)
        log.info("session %s went offline: %s", session.record.name, why)
        self._wake.set()
        return record

    async def _expire_silent_sessions(self, now: datetime) -> None:
        deadline = now - self.policy.timing.lease_duration
        for session in [s for s in self.sessions.values() if s.last_beat <= deadline]:
            await self._go_offline(
                session, f"no heartbeat since {session.last_beat.isoformat()}", code="aborted"
            )

    def _sync_session(self, session: LiveSession, relabel: bool = False) -> None:
        """Bring the matcher's view of ``session`` up to date."""
        rec = session.record
        if relabel or session.id not in self.state.session_slot:
            self.state.upsert_session(
                session.id,
                name=rec.name,
                provider=rec.provider,
                labels=self.policy.session_labels(rec.provider, rec.labels),
                capacity=rec.capacity,
                active=len(session.tasks),
                accepting=session.accepting,
                last_assigned_ms=session.last_assigned_ms,
            )
        else:
            self.state.set_session_load(
                session.id, active=len(session.tasks), accepting=session.accepting
            )
