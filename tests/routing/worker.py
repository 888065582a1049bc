"""A test worker: registers a session and talks to the server over its real stream."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import grpc

from architect.v1 import common_pb2, routing_pb2, routing_pb2_grpc


class Worker:
    """One worker session with an open SessionStream, as a real agent would hold it."""

    def __init__(self, channel: grpc.aio.Channel, name: str, provider: str, labels: list[str],
                 capacity: int = 1) -> None:  # fmt: skip
        self.stub = routing_pb2_grpc.RoutingServiceStub(channel)
        self.name, self.provider, self.labels, self.capacity = name, provider, labels, capacity
        self.session_id = ""
        self.assigned: asyncio.Queue[common_pb2.Assignment] = asyncio.Queue()
        self.cancelled: asyncio.Queue[routing_pb2.StreamCancelTask] = asyncio.Queue()
        self.replies: dict[int, asyncio.Future[routing_pb2.SessionStreamResponse]] = {}
        self._out: asyncio.Queue[routing_pb2.SessionStreamRequest | None] = asyncio.Queue()
        self._seq = itertools.count(1)
        self._call: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.ended: asyncio.Future[grpc.StatusCode] = asyncio.get_running_loop().create_future()

    async def register(self) -> routing_pb2.RegisterSessionResponse:
        resp = await self.stub.RegisterSession(
            routing_pb2.RegisterSessionRequest(
                name=self.name, provider=self.provider, labels=self.labels,
                capacity=self.capacity,
            )
        )  # fmt: skip
        self.session_id = resp.session.id
        return resp

    async def connect(self) -> None:
        """Open the stream and wait for the hello's ack."""
        self._call = self.stub.SessionStream(self._requests())
        self._reader = asyncio.create_task(self._read())
        await self.send(routing_pb2.SessionStreamRequest(
            hello=routing_pb2.StreamHello(session_id=self.session_id)))  # fmt: skip

    async def start(self) -> Worker:
        await self.register()
        await self.connect()
        return self

    async def _requests(self):  # type: ignore[no-untyped-def]
        while True:
            msg = await self._out.get()
            if msg is None:
                return
            yield msg

    async def _read(self) -> None:
        try:
            async for resp in self._call:
                kind = resp.WhichOneof("message")
                if kind == "assigned":
                    self.assigned.put_nowait(resp.assigned.assignment)
                elif kind == "cancel_task":
                    self.cancelled.put_nowait(resp.cancel_task)
                else:
                    seq = getattr(resp, kind).sequence
                    fut = self.replies.pop(seq, None)
                    if fut is not None and not fut.done():
                        fut.set_result(resp)
            code = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
        if not self.ended.done():
            self.ended.set_result(code)

    async def send(
        self, req: routing_pb2.SessionStreamRequest
    ) -> routing_pb2.SessionStreamResponse:
        """Send one message and wait for the reply that echoes its sequence."""
        req.sequence = next(self._seq)
        fut: asyncio.Future[routing_pb2.SessionStreamResponse] = (
            asyncio.get_running_loop().create_future()
        )
        self.replies[req.sequence] = fut
        self._out.put_nowait(req)
        return await asyncio.wait_for(fut, 10)

    async def next_assignment(self, wait: float = 10) -> common_pb2.Assignment:
        return await asyncio.wait_for(self.assigned.get(), wait)

    async def heartbeat(self) -> routing_pb2.SessionStreamResponse:
        return await self.send(
            routing_pb2.SessionStreamRequest(heartbeat=routing_pb2.StreamHeartbeat())
        )

    async def complete(
        self, a: common_pb2.Assignment, **result: Any
    ) -> routing_pb2.SessionStreamResponse:
        req = routing_pb2.SessionStreamRequest(
            task_completed=routing_pb2.StreamTaskCompleted(task_id=a.task_id, attempt=a.attempt)
        )
        req.task_completed.result.update(result)
        return await self.send(req)

    async def fail(
        self, a: common_pb2.Assignment, error: str, retryable: bool = True
    ) -> routing_pb2.SessionStreamResponse:
        return await self.send(
            routing_pb2.SessionStreamRequest(
                task_failed=routing_pb2.StreamTaskFailed(
                    task_id=a.task_id, attempt=a.attempt, error=error, retryable=retryable
                )
            )
        )

    async def close(self) -> None:
        self._out.put_nowait(None)
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()
