"""RoutingService end to end over gRPC, on SQLite and PostgreSQL: fleets, tasks, fencing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest

from architect.clock import ManualClock
from architect.server.app import ArchitectServer
from architect.v1 import common_pb2, routing_pb2, routing_pb2_grpc
from tests.routing.worker import Worker


def spec(task_type: str, **kw: object) -> routing_pb2.TaskSpec:
    return routing_pb2.TaskSpec(type=task_type, **kw)  # type: ignore[arg-type]


async def submit(
    stub: routing_pb2_grpc.RoutingServiceStub, s: routing_pb2.TaskSpec
) -> common_pb2.Task:
    return (await stub.SubmitTask(routing_pb2.SubmitTaskRequest(task=s))).task


async def state_of(stub: routing_pb2_grpc.RoutingServiceStub, task_id: str) -> int:
    return (await stub.GetTask(routing_pb2.GetTaskRequest(task_id=task_id))).task.state


async def test_fleet_end_to_end(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    runner = await Worker(rchannel, "runner-1", "local", ["python"], capacity=2).start()
    claude = await Worker(rchannel, "claude-1", "claude", []).start()
    gemini = await Worker(rchannel, "gemini-1", "gemini", []).start()
    shell = await submit(stub, spec("shell", payload={"cmd": "ls"}))
    python = await submit(stub, spec("python"))
    prompt = await submit(stub, spec("prompt", preferred_sessions=["claude-1"]))
    got = {}
    for w in (runner, runner, claude):
        a = await w.next_assignment()
        assert a.session_id == w.session_id and a.attempt == 1
        got[a.task_id] = (w, a)
    assert set(got) == {shell.id, python.id, prompt.id}
    assert got[shell.id][1].task.payload["cmd"] == "ls"
    for w, a in got.values():
        reply = await w.complete(a, ok=True)
        assert reply.WhichOneof("message") == "ack", reply
    for task_id in got:
        resp = await stub.GetTask(routing_pb2.GetTaskRequest(task_id=task_id))
        assert resp.task.state == common_pb2.TASK_STATE_SUCCEEDED
        assert resp.task.result["ok"] is True
    # Each task went to exactly one session: nobody received anything else.
    for w in (runner, claude, gemini):
        assert w.assigned.empty()
    for w in (runner, claude, gemini):
        await w.close()


async def test_ineligible_sessions_never_receive(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    claude = await Worker(rchannel, "claude-2", "claude", []).start()
    task = await submit(stub, spec("shell"))  # needs the shell label: claude sessions lack it
    await asyncio.sleep(0.3)
    assert claude.assigned.empty()
    assert await state_of(stub, task.id) == common_pb2.TASK_STATE_PENDING
    runner = await Worker(rchannel, "runner-2", "local", []).start()
    a = await runner.next_assignment()  # capacity appeared: a pass runs without a timer
    assert a.task_id == task.id
    await claude.close()
    await runner.close()


async def test_submit_is_idempotent(stub: routing_pb2_grpc.RoutingServiceStub) -> None:
    first = await stub.SubmitTask(
        routing_pb2.SubmitTaskRequest(task=spec("shell", idempotency_key="k-1"))
    )
    again = await stub.SubmitTask(
        routing_pb2.SubmitTaskRequest(task=spec("shell", idempotency_key="k-1"))
    )
    assert first.created and not again.created
    assert again.task.id == first.task.id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.SubmitTask(routing_pb2.SubmitTaskRequest(
            task=spec("python", idempotency_key="k-1")))  # fmt: skip
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_batch_submit(stub: routing_pb2_grpc.RoutingServiceStub) -> None:
    resp = await stub.SubmitTasks(
        routing_pb2.SubmitTasksRequest(tasks=[spec("shell", priority=i) for i in range(50)])
    )
    assert len(resp.results) == 50 and all(r.created for r in resp.results)
    listed = await stub.ListTasks(routing_pb2.ListTasksRequest(types=["shell"], page_size=20))
    assert len(listed.tasks) == 20 and listed.next_page_token


@pytest.mark.parametrize(
    ("task", "needle"),
    [
        (spec(""), "task.type is required"),
        (spec("no_such_type"), "'no_such_type' has no routing rule"),
        (spec("shell", required_labels=["has space"]), "task.required_labels[0]"),
        (spec("shell", max_attempts=0), "task.max_attempts"),
    ],
)
async def test_invalid_submit(
    stub: routing_pb2_grpc.RoutingServiceStub, task: routing_pb2.TaskSpec, needle: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.SubmitTask(routing_pb2.SubmitTaskRequest(task=task))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in (err.value.details() or "")


async def test_batch_names_the_bad_spec(stub: routing_pb2_grpc.RoutingServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.SubmitTasks(routing_pb2.SubmitTasksRequest(tasks=[spec("shell"), spec("nope")]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "tasks[1].type" in (err.value.details() or "")
    # All or nothing: the valid first spec was not created either.
    listed = await stub.ListTasks(routing_pb2.ListTasksRequest())
    assert not listed.tasks


async def test_unknown_task_and_session(stub: routing_pb2_grpc.RoutingServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetTask(
            routing_pb2.GetTaskRequest(task_id="00000000-0000-4000-8000-000000000000")
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetTask(routing_pb2.GetTaskRequest(task_id="not-a-uuid"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.RegisterSession(routing_pb2.RegisterSessionRequest(name="x", provider="nobody"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "known providers" in (err.value.details() or "")


async def test_stream_must_start_with_hello(stub: routing_pb2_grpc.RoutingServiceStub) -> None:
    call = stub.SessionStream(
        iter([routing_pb2.SessionStreamRequest(heartbeat=routing_pb2.StreamHeartbeat())])
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in call:
            pass
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_failure_retries_elsewhere_then_fails_for_good(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    a_worker = await Worker(rchannel, "runner-a", "local", []).start()
    task = await submit(stub, spec("shell"))  # shell: max_attempts 2, retry elsewhere
    first = await a_worker.next_assignment()
    b_worker = await Worker(rchannel, "runner-b", "local", []).start()
    reply = await a_worker.fail(first, "exit 1")
    assert reply.WhichOneof("message") == "ack"
    second = await b_worker.next_assignment()  # not back to runner-a, which just failed it
    assert second.task_id == task.id and second.attempt == 2
    assert a_worker.assigned.empty()
    await b_worker.fail(second, "exit 1 again")
    resp = await stub.GetTask(routing_pb2.GetTaskRequest(task_id=task.id))
    assert resp.task.state == common_pb2.TASK_STATE_FAILED
    assert resp.task.error == "exit 1 again"
    await a_worker.close()
    await b_worker.close()


async def test_fencing_after_lease_loss(
    rserver: ArchitectServer, rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub,
    clock: ManualClock,
) -> None:  # fmt: skip
    lease = rserver.engine.policy.timing.lease_duration  # type: ignore[union-attr]
    paused = await Worker(rchannel, "runner-paused", "local", []).start()
    task = await submit(stub, spec("shell"))
    old = await paused.next_assignment()
    healthy = await Worker(rchannel, "runner-healthy", "local", []).start()
    # The paused worker goes silent; the healthy one keeps beating.
    clock.advance(lease * 2 / 3)
    await healthy.heartbeat()
    clock.advance(lease / 3 + timedelta(seconds=1))
    new = await healthy.next_assignment()  # the sweep requeued it, the pass reassigned it
    assert new.task_id == task.id and new.attempt == old.attempt + 1
    # The paused worker wakes up: its late heartbeat and completion are refused...
    for call in (
        stub.HeartbeatTask(routing_pb2.HeartbeatTaskRequest(
            task_id=old.task_id, session_id=paused.session_id, attempt=old.attempt)),
        stub.CompleteTask(routing_pb2.CompleteTaskRequest(
            task_id=old.task_id, session_id=paused.session_id, attempt=old.attempt)),
    ):  # fmt: skip
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # ...and the new attempt's completion is accepted.
    done = await stub.CompleteTask(routing_pb2.CompleteTaskRequest(
        task_id=new.task_id, session_id=healthy.session_id, attempt=new.attempt))  # fmt: skip
    assert done.task.state == common_pb2.TASK_STATE_SUCCEEDED and done.task.attempt == 2
    await healthy.close()
    await paused.close()


async def test_dead_session_task_reassigned_within_lease_plus_sweep(
    rserver: ArchitectServer, rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub,
    clock: ManualClock,
) -> None:  # fmt: skip
    lease = rserver.engine.policy.for_type("shell").lease  # type: ignore[union-attr]
    dead = await Worker(rchannel, "runner-dead", "local", []).start()
    task = await submit(stub, spec("shell"))
    await dead.next_assignment()
    alive = await Worker(rchannel, "runner-alive", "local", []).start()
    clock.advance(lease - timedelta(seconds=1))
    await alive.heartbeat()
    await asyncio.sleep(0.3)  # several sweeps: the lease has not lapsed yet
    assert alive.assigned.empty()
    clock.advance(timedelta(seconds=2))
    a = await alive.next_assignment(wait=5)
    assert a.task_id == task.id
    await alive.close()
    await dead.close()


async def test_cancel_reaches_the_worker(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    w = await Worker(rchannel, "runner-c", "local", []).start()
    task = await submit(stub, spec("shell"))
    a = await w.next_assignment()
    resp = await stub.CancelTask(
        routing_pb2.CancelTaskRequest(task_id=task.id, reason="not needed")
    )
    assert resp.task.state == common_pb2.TASK_STATE_CANCELLED
    cancel = await asyncio.wait_for(w.cancelled.get(), 5)
    assert cancel.task_id == task.id and cancel.attempt == a.attempt
    reply = await w.complete(a)
    assert reply.WhichOneof("message") == "rejected"
    assert reply.rejected.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]


async def test_capacity_above_one_and_drain(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    w = await Worker(rchannel, "runner-big", "local", [], capacity=3).start()
    tasks = [await submit(stub, spec("shell")) for _ in range(4)]
    got = [await w.next_assignment() for _ in range(3)]
    assert {a.task_id for a in got} <= {t.id for t in tasks}
    await asyncio.sleep(0.2)
    assert w.assigned.empty()  # capacity 3: the fourth waits
    await stub.DrainSession(routing_pb2.DrainSessionRequest(session_id=w.session_id))
    await w.complete(got[0])
    await asyncio.sleep(0.3)
    assert w.assigned.empty()  # draining: no new work, even with capacity free
    session = (
        await stub.GetSession(routing_pb2.GetSessionRequest(session_id=w.session_id))
    ).session
    assert session.state == common_pb2.SESSION_STATE_DRAINING and session.active_tasks == 2
    await w.close()


async def test_explain_and_dry_run(
    rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    claude = await Worker(rchannel, "claude-x", "claude", []).start()
    task = await submit(stub, spec("shell"))
    exp = (await stub.ExplainTask(routing_pb2.ExplainTaskRequest(task_id=task.id))).explanation
    assert exp.decision == routing_pb2.ROUTING_DECISION_WAITING
    (verdict,) = [v for v in exp.verdicts if v.session_name == "claude-x"]
    assert not verdict.eligible
    assert routing_pb2.INELIGIBLE_REASON_MISSING_LABELS in verdict.reasons
    assert routing_pb2.INELIGIBLE_REASON_PROVIDER_NOT_ALLOWED not in verdict.reasons
    dry = await stub.DryRunRouting(routing_pb2.DryRunRoutingRequest(
        tasks=[spec("prompt", preferred_sessions=["claude-x"])]))  # fmt: skip
    (hyp,) = dry.explanations
    assert hyp.decision == routing_pb2.ROUTING_DECISION_WOULD_ASSIGN
    assert hyp.session_name == "claude-x"
    assert claude.assigned.empty()  # a dry run assigns nothing
    await claude.close()


async def test_new_stream_supersedes_old(rchannel: grpc.aio.Channel) -> None:
    w = await Worker(rchannel, "runner-s", "local", []).start()
    old_ended = w.ended
    w2 = Worker(rchannel, "runner-s", "local", [])
    w2.session_id = w.session_id
    await w2.connect()
    assert await asyncio.wait_for(old_ended, 5) == grpc.StatusCode.ABORTED
    await w2.close()


async def test_cancel_while_a_pass_commits_leaves_the_rest_of_the_pass_intact(
    rserver: ArchitectServer, rchannel: grpc.aio.Channel, stub: routing_pb2_grpc.RoutingServiceStub
) -> None:
    engine = rserver.engine
    assert engine is not None
    w = await Worker(rchannel, "runner-race", "local", [], capacity=2).start()
    real = engine.store.record_assignments
    victim: list[str] = []

    async def commit_then_cancel(batch):  # type: ignore[no-untyped-def]
        # The real commit, then a real cancel of one of its tasks before the pass resumes.
        records = await real(batch)
        if not victim:
            victim.append(batch[0].task_id)
            await engine.cancel(batch[0].task_id, "changed my mind")
        return records

    engine.store.record_assignments = commit_then_cancel  # type: ignore[method-assign]
    try:
        resp = await stub.SubmitTasks(routing_pb2.SubmitTasksRequest(tasks=[spec("shell")] * 2))
        a = await w.next_assignment()  # the pass has run (and cancelled its victim) by now
        (other,) = [r.task.id for r in resp.results if r.task.id not in victim]
        assert a.task_id == other  # the rest of the pass was delivered
        assert victim[0] not in engine.live
        cancelled = await stub.GetTask(routing_pb2.GetTaskRequest(task_id=victim[0]))
        assert cancelled.task.state == common_pb2.TASK_STATE_CANCELLED
    finally:
        engine.store.record_assignments = real  # type: ignore[method-assign]
    await w.close()
