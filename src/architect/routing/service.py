"""RoutingService over gRPC: validates requests, calls the engine, converts answers.

The registry (``architect.server.registry``) maps domain errors to status codes;
this module only raises them. Each call reads the engine's policy once, so it
finishes on the config version it started with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import grpc

from architect import errors
from architect.routing import convert, explain, validate
from architect.routing.engine import RoutingEngine, to_ms
from architect.routing.explain_proto import explanation_message
from architect.routing.live import Connection
from architect.routing.state import TaskInput
from architect.server.status import status_code_for
from architect.store.records import TaskFilter
from architect.v1 import common_pb2, routing_pb2

log = logging.getLogger(__name__)

_CLOSE_CODES = {
    "aborted": grpc.StatusCode.ABORTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}


def _duration(seconds: float) -> dict[str, int]:
    return {"seconds": int(seconds), "nanos": int((seconds % 1) * 1e9)}


class RoutingServicer:
    """The architect.v1.RoutingService implementation."""

    def __init__(self, engine: RoutingEngine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ tasks

    async def SubmitTask(
        self, request: routing_pb2.SubmitTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.SubmitTaskResponse:
        policy = self.engine.policy
        new = validate.task_spec(request.task, policy, "task")
        ((record, created),) = await self.engine.submit([new])
        if not created and not validate.same_spec(new, record.type, record.payload):
            raise errors.AlreadyExists(
                f"idempotency key {new.idempotency_key!r} belongs to task {record.id}, "
                "which has a different type or payload"
            )
        return routing_pb2.SubmitTaskResponse(task=convert.task(record), created=created)

    async def SubmitTasks(
        self, request: routing_pb2.SubmitTasksRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.SubmitTasksResponse:
        policy = self.engine.policy
        news = validate.task_specs(list(request.tasks), policy)
        results = await self.engine.submit(news)
        for i, (new, (record, created)) in enumerate(zip(news, results, strict=True)):
            if not created and not validate.same_spec(new, record.type, record.payload):
                raise errors.AlreadyExists(
                    f"tasks[{i}].idempotency_key belongs to task {record.id}, "
                    "which has a different type or payload"
                )
        return routing_pb2.SubmitTasksResponse(
            results=[
                routing_pb2.SubmitTaskResult(task=convert.task(r), created=c) for r, c in results
            ]
        )

    async def GetTask(
        self, request: routing_pb2.GetTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.GetTaskResponse:
        task_id = validate.task_id(request.task_id)
        la = self.engine.live.get(task_id)
        if la is not None:
            return routing_pb2.GetTaskResponse(task=convert.task(la.task))
        pending = self.engine.pending.get(task_id)
        if pending is not None:
            return routing_pb2.GetTaskResponse(task=convert.task(pending))
        return routing_pb2.GetTaskResponse(
            task=convert.task(await self.engine.store.get_task(task_id))
        )

    async def ListTasks(
        self, request: routing_pb2.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.ListTasksResponse:
        if len(request.types) > 1:
            raise errors.InvalidArgument("types: this release filters on at most one type")
        if request.order_by not in (
            routing_pb2.TASK_ORDER_BY_UNSPECIFIED,
            routing_pb2.TASK_ORDER_BY_CREATED_AT_ASC,
        ):
            raise errors.InvalidArgument(
                "order_by: this release lists tasks oldest first (CREATED_AT_ASC) only"
            )
        if request.HasField("created_after") or request.HasField("created_before"):
            raise errors.InvalidArgument(
                "created_after/created_before are not supported by this release; "
                "use a query template (QueryService) for time windows"
            )
        statuses = []
        for i, s in enumerate(request.states):
            if s not in convert.TASK_STATUS_OF:
                raise errors.InvalidArgument(f"states[{i}] is not a task state")
            statuses.append(convert.TASK_STATUS_OF[s])
        where = TaskFilter(
            statuses=tuple(statuses),
            type=request.types[0] if request.types else None,
            session_id=validate.session_id(request.session_id) if request.session_id else None,
            workflow_id=request.workflow_id or None,
        )
        page = await self.engine.store.list_tasks(
            where, page_size=request.page_size or 100, page_token=request.page_token
        )
        return routing_pb2.ListTasksResponse(
            tasks=[convert.task(t) for t in page.tasks], next_page_token=page.next_page_token
        )

    async def CancelTask(
        self, request: routing_pb2.CancelTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.CancelTaskResponse:
        task_id = validate.task_id(request.task_id)
        current = await self.engine.store.get_task(task_id)
        if current.status == "cancelled":
            return routing_pb2.CancelTaskResponse(task=convert.task(current))
        record = await self.engine.cancel(task_id, request.reason)
        return routing_pb2.CancelTaskResponse(task=convert.task(record))

    # ------------------------------------------------------------------ explain

    async def ExplainTask(
        self, request: routing_pb2.ExplainTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.ExplainTaskResponse:
        task_id = validate.task_id(request.task_id)
        engine = self.engine
        now_ms = to_ms(engine.clock.now())
        if task_id in engine.pending:
            exp = explain.explain_pending(engine.state, task_id, now_ms)
            return routing_pb2.ExplainTaskResponse(explanation=explanation_message(exp))
        record = await engine.store.get_task(task_id)
        rule = engine.policy.rules.rule_for(record.type)
        out = routing_pb2.RoutingExplanation(
            task_id=record.id,
            task_type=record.type,
            rule=rule.name if rule else "",
            config_version=record.config_version or "",
            effective_priority=float(record.priority),
            evaluated_at=convert.timestamp(engine.clock.now()),
        )
        if record.status in ("assigned", "running") and record.session_id:
            out.decision = routing_pb2.ROUTING_DECISION_ASSIGNED
            out.session_id = record.session_id
            live = engine.sessions.get(record.session_id)
            out.session_name = live.record.name if live else ""
            out.summary = (
                f"assigned to {out.session_name or record.session_id} (attempt {record.attempt})"
            )
        elif record.status == "failed" and (record.error or "").startswith("no route"):
            out.decision = routing_pb2.ROUTING_DECISION_FAILED_NO_ROUTE
            out.summary = record.error or ""
        else:
            out.summary = f"the task is {record.status}; it is no longer routed"
        return routing_pb2.ExplainTaskResponse(explanation=out)

    async def DryRunRouting(
        self, request: routing_pb2.DryRunRoutingRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.DryRunRoutingResponse:
        engine = self.engine
        news = validate.task_specs(list(request.tasks), engine.policy, validate.MAX_DRY_RUN)
        now_ms = to_ms(engine.clock.now())
        out = []
        for new in news:
            hypothetical = TaskInput(
                task_type=new.type,
                enqueued_ms=now_ms,
                priority=new.priority,
                required_labels=new.required_labels,
                preferred_sessions=new.preferred_sessions,
            )
            out.append(explanation_message(explain.explain(engine.state, hypothetical, now_ms)))
        return routing_pb2.DryRunRoutingResponse(explanations=out)

    # ------------------------------------------------------------------ sessions

    async def RegisterSession(
        self, request: routing_pb2.RegisterSessionRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.RegisterSessionResponse:
        live = await self.engine.register(validate.register(request))
        timing = self.engine.policy.timing
        resp = routing_pb2.RegisterSessionResponse(session=convert.session(live))
        resp.heartbeat_interval.FromTimedelta(timing.heartbeat_interval)
        resp.lease_duration.FromTimedelta(timing.lease_duration)
        return resp

    async def GetSession(
        self, request: routing_pb2.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.GetSessionResponse:
        sid = validate.session_id(request.session_id)
        live = self.engine.sessions.get(sid)
        if live is not None:
            return routing_pb2.GetSessionResponse(session=convert.session(live))
        return routing_pb2.GetSessionResponse(
            session=convert.session_record(await self.engine.store.get_session(sid))
        )

    async def ListSessions(
        self, request: routing_pb2.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.ListSessionsResponse:
        page_size = request.page_size or 100
        if not 1 <= page_size <= 1000:
            raise errors.InvalidArgument("page_size must be between 1 and 1,000")
        wanted_states = set()
        for i, s in enumerate(request.states):
            if s not in convert.SESSION_STATE_OF:
                raise errors.InvalidArgument(f"states[{i}] is not a session state")
            wanted_states.add(s)
        labels = set(request.labels)
        sessions = []
        for rec in await self.engine.store.list_sessions():
            live = self.engine.sessions.get(rec.id)
            msg = convert.session(live) if live else convert.session_record(rec)
            if wanted_states and msg.state not in wanted_states:
                continue
            if request.provider and msg.provider != request.provider:
                continue
            if not labels <= set(msg.labels):
                continue
            if request.page_token and msg.name <= request.page_token:
                continue
            sessions.append(msg)
        page = sessions[:page_size]
        token = page[-1].name if len(sessions) > page_size else ""
        return routing_pb2.ListSessionsResponse(sessions=page, next_page_token=token)

    async def DrainSession(
        self, request: routing_pb2.DrainSessionRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.DrainSessionResponse:
        sid = validate.session_id(request.session_id)
        live = await self.engine.set_session_state(sid, "draining")
        return routing_pb2.DrainSessionResponse(session=convert.session(live))

    async def SetSessionState(
        self, request: routing_pb2.SetSessionStateRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.SetSessionStateResponse:
        sid = validate.session_id(request.session_id)
        state = {
            common_pb2.SESSION_STATE_IDLE: "idle",
            common_pb2.SESSION_STATE_WAITING_FOR_HUMAN: "waiting_for_human",
        }.get(request.state)
        if state is None:
            raise errors.InvalidArgument("state must be SESSION_STATE_IDLE or _WAITING_FOR_HUMAN")
        live = await self.engine.set_session_state(sid, state)  # type: ignore[arg-type]
        return routing_pb2.SetSessionStateResponse(session=convert.session(live))

    async def DeregisterSession(
        self, request: routing_pb2.DeregisterSessionRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.DeregisterSessionResponse:
        sid = validate.session_id(request.session_id)
        record = await self.engine.deregister(sid, force=request.force)
        return routing_pb2.DeregisterSessionResponse(session=convert.session_record(record))

    # ------------------------------------------------------------------ worker side, unary

    async def StartTask(
        self, request: routing_pb2.StartTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.StartTaskResponse:
        la = await self.engine.start_task(*_ref(request))
        return routing_pb2.StartTaskResponse(
            task=convert.task(la.task), lease_expires_at=convert.timestamp(la.lease_expires_at)
        )

    async def HeartbeatTask(
        self, request: routing_pb2.HeartbeatTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.HeartbeatTaskResponse:
        la = self.engine.heartbeat_task(*_ref(request))
        return routing_pb2.HeartbeatTaskResponse(
            lease_expires_at=convert.timestamp(la.lease_expires_at)
        )

    async def CompleteTask(
        self, request: routing_pb2.CompleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.CompleteTaskResponse:
        sid, tid, attempt = _ref(request)
        record = await self.engine.complete(sid, tid, attempt, convert.from_struct(request.result))
        return routing_pb2.CompleteTaskResponse(task=convert.task(record))

    async def FailTask(
        self, request: routing_pb2.FailTaskRequest, context: grpc.aio.ServicerContext
    ) -> routing_pb2.FailTaskResponse:
        sid, tid, attempt = _ref(request)
        record = await self.engine.fail(sid, tid, attempt, request.error, request.retryable)
        return routing_pb2.FailTaskResponse(task=convert.task(record))

    # ------------------------------------------------------------------ the session stream

    async def SessionStream(
        self,
        requests: AsyncIterator[routing_pb2.SessionStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[routing_pb2.SessionStreamResponse]:
        try:
            first = await anext(aiter(requests))
        except StopAsyncIteration:
            return
        if first.WhichOneof("message") != "hello":
            raise errors.FailedPrecondition("the first message on a session stream must be hello")
        sid = validate.session_id(first.hello.session_id, "hello.session_id")
        session, conn = self.engine.connect(sid)
        conn.send(_ack(first.sequence))
        self.engine.resend_live(session, conn)
        reader = asyncio.create_task(self._read(requests, conn))
        try:
            while True:
                message = await conn.outbox.get()
                if message is None:
                    break
                yield message
        finally:
            reader.cancel()
            self.engine.disconnect(conn)
        code = _CLOSE_CODES.get(conn.closed_code)
        if code is not None:
            await context.abort(code, conn.closed_reason or "stream closed")

    async def _read(
        self, requests: AsyncIterator[routing_pb2.SessionStreamRequest], conn: Connection
    ) -> None:
        try:
            async for req in requests:
                conn.send(await self._handle(req, conn.session_id))
            conn.close("the worker closed its side of the stream", code="ok")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the call went away under us: end the writer too
            log.debug("session stream %s ended: %s", conn.session_id, exc)
            conn.close("the stream failed", code="ok")

    async def _handle(
        self, req: routing_pb2.SessionStreamRequest, sid: str
    ) -> routing_pb2.SessionStreamResponse:
        engine = self.engine
        kind = req.WhichOneof("message")
        try:
            if kind == "heartbeat":
                engine.beat(sid)
                lease = None
                for ta in req.heartbeat.active_tasks:
                    try:
                        la = engine.heartbeat_task(sid, ta.task_id, ta.attempt)
                        lease = (
                            la.lease_expires_at
                            if lease is None
                            else min(lease, la.lease_expires_at)
                        )
                    except errors.StaleAttempt as exc:
                        conn = engine.sessions[sid].connection
                        if conn is not None:
                            conn.send(
                                routing_pb2.SessionStreamResponse(
                                    cancel_task=routing_pb2.StreamCancelTask(
                                        task_id=ta.task_id, attempt=ta.attempt, reason=str(exc)
                                    )
                                )
                            )
                return _beat_ack(req.sequence, engine, lease)
            if kind == "task_heartbeat":
                m = req.task_heartbeat
                la = engine.heartbeat_task(sid, m.task_id, m.attempt)
                return _beat_ack(req.sequence, engine, la.lease_expires_at)
            if kind == "task_started":
                m1 = req.task_started
                await engine.start_task(sid, m1.task_id, m1.attempt)
            elif kind == "task_completed":
                m2 = req.task_completed
                await engine.complete(sid, m2.task_id, m2.attempt, convert.from_struct(m2.result))
            elif kind == "task_failed":
                m3 = req.task_failed
                await engine.fail(sid, m3.task_id, m3.attempt, m3.error, m3.retryable)
            elif kind == "set_state":
                state = {
                    common_pb2.SESSION_STATE_IDLE: "idle",
                    common_pb2.SESSION_STATE_DRAINING: "draining",
                    common_pb2.SESSION_STATE_WAITING_FOR_HUMAN: "waiting_for_human",
                }.get(req.set_state.state)
                if state is None:
                    raise errors.InvalidArgument(
                        "set_state.state must be IDLE, DRAINING or WAITING_FOR_HUMAN"
                    )
                await engine.set_session_state(sid, state)  # type: ignore[arg-type]
            elif kind == "hello":
                raise errors.FailedPrecondition("hello may only be the first message")
            else:
                raise errors.InvalidArgument("empty stream message")
        except errors.ArchitectError as exc:
            return routing_pb2.SessionStreamResponse(
                rejected=routing_pb2.StreamRejected(
                    sequence=req.sequence,
                    code=status_code_for(exc).value[0],
                    message=str(exc),
                )
            )
        return _ack(req.sequence)


def _ref(
    request: routing_pb2.StartTaskRequest
    | routing_pb2.HeartbeatTaskRequest
    | routing_pb2.CompleteTaskRequest
    | routing_pb2.FailTaskRequest,
) -> tuple[str, str, int]:
    return (
        validate.session_id(request.session_id),
        validate.task_id(request.task_id),
        validate.attempt(request.attempt),
    )


def _ack(sequence: int) -> routing_pb2.SessionStreamResponse:
    return routing_pb2.SessionStreamResponse(ack=routing_pb2.StreamAck(sequence=sequence, ok=True))


def _beat_ack(
    sequence: int, engine: RoutingEngine, lease: datetime | None
) -> routing_pb2.SessionStreamResponse:
    ack = routing_pb2.StreamHeartbeatAck(
        sequence=sequence, server_time=convert.timestamp(engine.clock.now())
    )
    if lease is not None:
        ack.lease_expires_at.FromDatetime(lease)
    return routing_pb2.SessionStreamResponse(heartbeat_ack=ack)
