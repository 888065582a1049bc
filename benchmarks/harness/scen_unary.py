"""Fixed unary calls: the cheapest read beside a bare server, and durable submits.

Each call is the same pre-serialized request, so h2load can drive it (see ``h2load.py``);
without h2load, or with ``--no-h2load``, the multi-process Python generator does.
"""

from __future__ import annotations

import grpc
from harness import h2load
from harness.context import Context, Figures, scenario
from harness.load import LoadResult, UnaryLoad, run_unary
from harness.servers import ServerProcess, start_bare

from architect.v1 import routing_pb2, routing_pb2_grpc

GET_TASK = "/architect.v1.RoutingService/GetTask"
SUBMIT_TASK = "/architect.v1.RoutingService/SubmitTask"
SUBMIT_TASKS = "/architect.v1.RoutingService/SubmitTasks"
#: Tasks per SubmitTasks call in ``submit_batch``.
BATCH = 100


#: Calls in flight per connection for the latency run of ``unary_read`` (light load, so the
#: percentiles show the service time rather than the queue a closed loop builds).
LIGHT_CONCURRENCY = 2


def drive(
    ctx: Context, target: str, method: str, request: bytes, concurrency: int | None = None
) -> tuple[LoadResult, str]:
    """Run one fixed unary load with the strongest generator available; name it."""
    load = UnaryLoad(
        target, method, request, ctx.processes, concurrency or ctx.concurrency, ctx.seconds
    )
    if ctx.h2load and h2load.available():
        h2load.check_grpc(target, method, request)
        result = h2load.run(load)
        h2load.check_grpc(target, method, request)
        return result, "h2load"
    return run_unary(load), "python"


def _measure(
    ctx: Context,
    server: ServerProcess,
    method: str,
    request: bytes,
    label: str,
    concurrency: int | None = None,
) -> Figures:
    ctx.progress(f"{label}: {ctx.seconds:.0f}s of load")
    cpu0 = server.cpu_seconds()
    result, generator = drive(ctx, server.target, method, request, concurrency)
    cpu = server.cpu_seconds() - cpu0
    if result.error_samples:
        ctx.progress(f"{label}: {result.errors} errors, e.g. {result.error_samples[0]}")
    figures: Figures = dict(result.summary())
    figures["rss_mb"] = round(server.rss_mb(), 1)
    # Wall time of the run is warm-up + window: CPU per second is an approximation.
    figures["server_cpu"] = round(cpu / (ctx.seconds + 1.0), 2)
    # Counted over the whole run (warm-up included), so it is per call of the whole run.
    calls = result.calls * (ctx.seconds + 1.0) / ctx.seconds
    figures["server_cpu_ms_per_call"] = round(1000 * cpu / calls, 3) if calls else 0.0
    figures["h2load"] = 1.0 if generator == "h2load" else 0.0
    return figures


def _submit_one(target: str, task_type: str = "shell") -> str:
    with grpc.insecure_channel(target) as channel:
        stub = routing_pb2_grpc.RoutingServiceStub(channel)
        spec = routing_pb2.TaskSpec(type=task_type)
        return stub.SubmitTask(routing_pb2.SubmitTaskRequest(task=spec), timeout=10).task.id


@scenario
def unary_read(ctx: Context) -> Figures:
    """GetTask on an existing task, beside a bare grpc.aio server under the same load."""
    bare = start_bare(GET_TASK)
    try:
        # The bare handler ignores the request; the same bytes keep the two runs identical.
        request = routing_pb2.GetTaskRequest(task_id="0" * 36).SerializeToString()
        ctx.progress(f"bare grpc.aio server: {ctx.seconds:.0f}s of load")
        base, _ = drive(ctx, bare.target, GET_TASK, request)
    finally:
        bare.stop()
    with ctx.architect("unary_read") as server:
        task_id = _submit_one(server.target)
        request = routing_pb2.GetTaskRequest(task_id=task_id).SerializeToString()
        figures = _measure(ctx, server, GET_TASK, request, "architect GetTask")
        ctx.progress(f"architect GetTask, light load ({LIGHT_CONCURRENCY} per connection)")
        light, _ = drive(ctx, server.target, GET_TASK, request, LIGHT_CONCURRENCY)
    figures["light_calls_per_s"] = round(light.calls_per_s, 1)
    figures["light_p50_ms"] = round(light.percentile(50), 3)
    figures["light_p99_ms"] = round(light.percentile(99), 3)
    figures["bare_calls_per_s"] = round(base.calls_per_s, 1)
    figures["bare_p50_ms"] = round(base.percentile(50), 3)
    figures["bare_p99_ms"] = round(base.percentile(99), 3)
    calls = figures["calls_per_s"]
    figures["ratio_vs_bare"] = round(calls / base.calls_per_s, 3) if base.calls else 0.0
    return figures


@scenario
def submit_single(ctx: Context) -> Figures:
    """Durable SubmitTask calls, one task each, many in flight (group commit batches them)."""
    with ctx.architect("submit_single") as server:
        request = routing_pb2.SubmitTaskRequest(
            task=routing_pb2.TaskSpec(type="docs", payload={"n": 1})
        ).SerializeToString()
        figures = _measure(ctx, server, SUBMIT_TASK, request, "SubmitTask x1")
    figures["tasks_per_s"] = figures["calls_per_s"]
    return figures


@scenario
def submit_batch(ctx: Context) -> Figures:
    """Durable SubmitTasks calls of 100 tasks each; tasks/s and latency per call."""
    with ctx.architect("submit_batch") as server:
        request = routing_pb2.SubmitTasksRequest(
            tasks=[routing_pb2.TaskSpec(type="docs", payload={"n": i}) for i in range(BATCH)]
        ).SerializeToString()
        # A few batches in flight per connection are enough to fill every group commit.
        in_flight = max(1, ctx.concurrency // 8)
        figures = _measure(
            ctx, server, SUBMIT_TASKS, request, f"SubmitTasks x{BATCH}", concurrency=in_flight
        )
    figures["tasks_per_s"] = round(figures["calls_per_s"] * BATCH, 1)
    return figures
