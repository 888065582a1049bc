#!/usr/bin/env python3
"""A minimal Architect worker: register a session, hold its stream, run what arrives.

    python examples/worker.py --name runner-1 --provider local
    python examples/worker.py --server 127.0.0.1:50051 --name claude-1 --provider claude \\
        --label code --capacity 2 --token "$ARCHITECT_TOKEN"

Each task is "run" by echoing its payload back as the result; replace ``run_task`` with real
work. The stream carries everything: assignments in, heartbeats, starts and results out.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging

import grpc

from architect.v1 import routing_pb2, routing_pb2_grpc

log = logging.getLogger("worker")


async def run_task(assignment: routing_pb2.StreamAssigned) -> dict[str, object]:
    """The work itself: here, echo the payload."""
    task = assignment.assignment.task
    return {"echo": dict(task.payload), "type": task.type}


async def main(args: argparse.Namespace) -> None:
    metadata = (("authorization", f"Bearer {args.token}"),) if args.token else None
    async with grpc.aio.insecure_channel(args.server) as channel:
        stub = routing_pb2_grpc.RoutingServiceStub(channel)
        reg = await stub.RegisterSession(
            routing_pb2.RegisterSessionRequest(
                name=args.name, provider=args.provider, labels=args.label, capacity=args.capacity
            ),
            metadata=metadata,
        )
        session_id = reg.session.id
        beat_every = reg.heartbeat_interval.ToTimedelta().total_seconds()
        log.info("registered %s as %s; heartbeat every %.0fs", args.name, session_id, beat_every)
        outbox: asyncio.Queue[routing_pb2.SessionStreamRequest] = asyncio.Queue()
        seq = itertools.count(1)

        def send(**message: object) -> None:
            outbox.put_nowait(routing_pb2.SessionStreamRequest(sequence=next(seq), **message))

        async def requests():  # type: ignore[no-untyped-def]
            while True:
                yield await outbox.get()

        async def beat() -> None:
            while True:
                await asyncio.sleep(beat_every)
                send(heartbeat=routing_pb2.StreamHeartbeat())

        async def work(assigned: routing_pb2.StreamAssigned) -> None:
            a = assigned.assignment
            send(task_started=routing_pb2.StreamTaskStarted(task_id=a.task_id, attempt=a.attempt))
            try:
                result = await run_task(assigned)
            except Exception as exc:  # report the failure; the server decides about retries
                failed = routing_pb2.StreamTaskFailed(
                    task_id=a.task_id, attempt=a.attempt, error=str(exc), retryable=True
                )
                send(task_failed=failed)
                return
            done = routing_pb2.StreamTaskCompleted(task_id=a.task_id, attempt=a.attempt)
            done.result.update(result)
            send(task_completed=done)
            log.info("completed %s (%s, attempt %d)", a.task_id, a.task.type, a.attempt)

        send(hello=routing_pb2.StreamHello(session_id=session_id))
        beater = asyncio.create_task(beat())
        running: set[asyncio.Task[None]] = set()
        try:
            async for msg in stub.SessionStream(requests(), metadata=metadata):
                kind = msg.WhichOneof("message")
                if kind == "assigned":
                    t = asyncio.create_task(work(msg.assigned))
                    running.add(t)
                    t.add_done_callback(running.discard)
                elif kind == "rejected":
                    log.warning("server refused message %d: %s", msg.rejected.sequence,
                                msg.rejected.message)  # fmt: skip
                elif kind == "cancel_task":
                    log.info("task %s cancelled: %s", msg.cancel_task.task_id,
                             msg.cancel_task.reason)  # fmt: skip
        finally:
            beater.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="127.0.0.1:50051", help="HOST:PORT of the server")
    parser.add_argument("--name", required=True, help="session name (unique in the fleet)")
    parser.add_argument("--provider", default="local", help="provider from routing_rules.yaml")
    parser.add_argument("--label", action="append", default=[], help="a label (repeatable)")
    parser.add_argument("--capacity", type=int, default=1, help="tasks at once (default 1)")
    parser.add_argument("--token", default="", help="API token, when auth is on")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    asyncio.run(main(parser.parse_args()))
