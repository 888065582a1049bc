"""Worker fleets and submitters in their own processes, talking to a server over gRPC.

A fleet process registers ``sessions`` sessions (provider ``local``, which implies the
``shell`` label) and holds one SessionStream per session, as real agents would. Each session
answers an assignment at once with ``task_completed`` and records when the assignment arrived
(``time.time()``: the submitter is on the same machine and records when its submit was
acknowledged, so the two subtract). It heartbeats at the interval the server asks for.

A submitter process submits tasks with SubmitTasks, either at a fixed rate (open loop: a
slow answer does not slow the submissions) or as fast as the fleet completes them (a bounded
backlog of submitted but not yet completed tasks, read from the fleets' shared counters).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import random
import time
from dataclasses import dataclass
from typing import Any

#: Sessions per channel (one HTTP/2 connection each), so no one connection carries them all.
SESSIONS_PER_CHANNEL = 100


@dataclass(frozen=True)
class FleetSpec:
    """One fleet process: how many sessions, named how, with what capacity."""

    target: str
    sessions: int
    prefix: str
    capacity: int = 1
    provider: str = "local"


@dataclass
class FleetReport:
    """What a fleet process saw: deliveries (task id, time) and failures."""

    deliveries: list[tuple[str, float]]
    rejected: int
    stream_errors: list[str]
    heartbeats: int


async def _fleet(spec: FleetSpec, ready: Any, completed: Any, stop: Any) -> FleetReport:
    import grpc

    from architect.v1 import routing_pb2, routing_pb2_grpc

    deliveries: list[tuple[str, float]] = []
    stream_errors: list[str] = []
    counts = {"rejected": 0, "heartbeats": 0}
    channels = [
        grpc.aio.insecure_channel(spec.target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(max(1, -(-spec.sessions // SESSIONS_PER_CHANNEL)))
    ]
    stubs = [routing_pb2_grpc.RoutingServiceStub(c) for c in channels]
    limit = asyncio.Semaphore(50)

    async def register(i: int) -> tuple[Any, str, float]:
        stub = stubs[i % len(stubs)]
        async with limit:
            resp = await stub.RegisterSession(
                routing_pb2.RegisterSessionRequest(
                    name=f"{spec.prefix}-{i}",
                    provider=spec.provider,
                    capacity=spec.capacity,
                ),
                timeout=60,
            )
        return stub, resp.session.id, resp.heartbeat_interval.ToTimedelta().total_seconds()

    registered = await asyncio.gather(*(register(i) for i in range(spec.sessions)))
    Request = routing_pb2.SessionStreamRequest
    Completed = routing_pb2.StreamTaskCompleted

    async def session(stub: Any, session_id: str, interval: float) -> None:
        call = stub.SessionStream()
        lock = asyncio.Lock()
        seq = 1

        async def write(req: Any) -> None:
            nonlocal seq
            async with lock:
                seq += 1
                req.sequence = seq
                await call.write(req)

        async def beat() -> None:
            await asyncio.sleep(random.uniform(0, interval))  # spread the fleet's beats
            while True:
                await write(Request(heartbeat=routing_pb2.StreamHeartbeat()))
                counts["heartbeats"] += 1
                await asyncio.sleep(interval)

        await call.write(Request(sequence=1, hello=routing_pb2.StreamHello(session_id=session_id)))
        first = await call.read()
        if first.WhichOneof("message") != "ack":
            raise RuntimeError(f"hello refused: {first}")
        with ready.get_lock():
            ready.value += 1
        beater = asyncio.create_task(beat())
        try:
            while True:
                resp = await call.read()
                if resp is grpc.aio.EOF:
                    return
                kind = resp.WhichOneof("message")
                if kind == "assigned":
                    a = resp.assigned.assignment
                    deliveries.append((a.task_id, time.time()))
                    await write(Request(task_completed=Completed(task_id=a.task_id,
                                                                 attempt=a.attempt)))  # fmt: skip
                elif kind == "ack":
                    with completed.get_lock():
                        completed.value += 1
                elif kind == "rejected":
                    counts["rejected"] += 1
        finally:
            beater.cancel()
            call.cancel()

    async def guarded(stub: Any, sid: str, interval: float) -> None:
        try:
            await session(stub, sid, interval)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            if len(stream_errors) < 5:
                stream_errors.append(repr(exc)[:300])

    tasks = [asyncio.create_task(guarded(*r)) for r in registered]
    await asyncio.to_thread(stop.wait)  # a multiprocessing Event: wait for it off the loop
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for c in channels:
        await c.close()
    return FleetReport(deliveries, counts["rejected"], stream_errors, counts["heartbeats"])


def _fleet_main(spec: FleetSpec, ready: Any, completed: Any, stop: Any, out: Any) -> None:
    import uvloop

    try:
        out.put(uvloop.run(_fleet(spec, ready, completed, stop)))
    except Exception as exc:  # report it rather than leave the parent waiting
        out.put(FleetReport([], 0, [f"fleet process failed: {exc!r}"[:500]], 0))


@dataclass(frozen=True)
class SubmitSpec:
    """A submitter: ``rate`` tasks/s in batches (0: bounded backlog, as fast as possible)."""

    target: str
    task_type: str
    batch: int
    rate: float = 0.0
    #: Maximum submitted-but-not-completed tasks in the as-fast-as-possible mode.
    backlog: int = 2000
    #: Concurrent SubmitTasks calls in the as-fast-as-possible mode.
    concurrency: int = 4
    #: Stop after this many tasks (0: until told to stop).
    total: int = 0


@dataclass
class SubmitReport:
    """When each task's submit was acknowledged; calls that failed."""

    acks: list[tuple[str, float]]
    submitted: int
    errors: int
    error_samples: list[str]


async def _submit(spec: SubmitSpec, completed: list[Any], stop: Any) -> SubmitReport:
    import grpc

    from architect.v1 import routing_pb2

    request = routing_pb2.SubmitTasksRequest(
        tasks=[routing_pb2.TaskSpec(type=spec.task_type) for _ in range(spec.batch)]
    ).SerializeToString()
    report = SubmitReport([], 0, 0, [])
    parse = routing_pb2.SubmitTasksResponse.FromString
    async with grpc.aio.insecure_channel(spec.target) as channel:
        call = channel.unary_unary("/architect.v1.RoutingService/SubmitTasks")

        def done() -> bool:
            return stop.is_set() or bool(spec.total and report.submitted >= spec.total)

        async def one() -> None:
            report.submitted += spec.batch
            try:
                raw = await call(request, timeout=60)
            except grpc.aio.AioRpcError as exc:
                report.errors += 1
                if len(report.error_samples) < 5:
                    report.error_samples.append(f"{exc.code().name}: {exc.details()}")
                return
            now = time.time()
            report.acks.extend((r.task.id, now) for r in parse(raw).results)

        if spec.rate:
            interval = spec.batch / spec.rate
            next_at = time.perf_counter()
            inflight: set[asyncio.Task[None]] = set()
            while not done():
                t = asyncio.create_task(one())
                inflight.add(t)
                t.add_done_callback(inflight.discard)
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            await asyncio.gather(*inflight)
        else:

            async def loop() -> None:
                while not done():
                    while report.submitted - sum(c.value for c in completed) > spec.backlog:
                        if done():
                            return
                        await asyncio.sleep(0.001)
                    await one()

            await asyncio.gather(*(loop() for _ in range(spec.concurrency)))
    return report


def _submit_main(spec: SubmitSpec, completed: list[Any], stop: Any, out: Any) -> None:
    import uvloop

    out.put(uvloop.run(_submit(spec, completed, stop)))


class Fleet:
    """``processes`` fleet processes sharing ``sessions`` sessions between them."""

    def __init__(self, target: str, sessions: int, processes: int, prefix: str = "w") -> None:
        self._mp = mp.get_context("spawn")
        self.ready = self._mp.Value("q", 0)
        self.stop_event = self._mp.Event()
        self._out: Any = self._mp.Queue()
        self.completed = [self._mp.Value("q", 0) for _ in range(processes)]
        per = [sessions // processes + (i < sessions % processes) for i in range(processes)]
        self._procs = [
            self._mp.Process(
                target=_fleet_main,
                args=(
                    FleetSpec(target, n, f"{prefix}{i}"),
                    self.ready,
                    self.completed[i],
                    self.stop_event,
                    self._out,
                ),
                daemon=True,
            )
            for i, n in enumerate(per)
            if n
        ]
        self.sessions = sessions
        for p in self._procs:
            p.start()

    def wait_ready(self, timeout: float, progress: Any = None) -> None:
        """Block until every session's stream is open (its hello acknowledged)."""
        deadline = time.monotonic() + timeout
        last = -1
        while self.ready.value < self.sessions:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {self.ready.value} of {self.sessions} sessions connected in {timeout}s"
                )
            if any(not p.is_alive() for p in self._procs):
                raise RuntimeError("a fleet process died while connecting: " + repr(self.stop()))
            if progress and self.ready.value // 200 != last:
                last = self.ready.value // 200
                progress(f"sessions connected: {self.ready.value}/{self.sessions}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """CPU seconds the fleet processes have used: the client's share of the machine."""
        from harness.servers import cpu_seconds

        return sum(cpu_seconds(p.pid) for p in self._procs if p.pid is not None)

    def completed_total(self) -> int:
        """Completions acknowledged so far (each ack is one durable SUCCEEDED task)."""
        return sum(c.value for c in self.completed)

    def stop(self) -> list[FleetReport]:
        self.stop_event.set()
        reports = [self._out.get(timeout=120) for _ in self._procs]
        for p in self._procs:
            p.join(timeout=10)
        return reports


class Submitter:
    """A submitter process; ``stop()`` returns its report."""

    def __init__(self, spec: SubmitSpec, completed: list[Any]) -> None:
        ctx = mp.get_context("spawn")
        self.stop_event = ctx.Event()
        self._out: Any = ctx.Queue()
        self._proc = ctx.Process(
            target=_submit_main, args=(spec, completed, self.stop_event, self._out), daemon=True
        )
        self._proc.start()

    def stop(self, timeout: float = 120) -> SubmitReport:
        self.stop_event.set()
        report: SubmitReport = self._out.get(timeout=timeout)
        self._proc.join(timeout=10)
        return report

    def result(self, timeout: float) -> SubmitReport:
        """Wait for a submitter with a ``total`` to finish on its own."""
        report: SubmitReport = self._out.get(timeout=timeout)
        self._proc.join(timeout=10)
        return report
