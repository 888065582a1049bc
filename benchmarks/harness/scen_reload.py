"""Config reloads under load: 100 real changes applied while clients loop a cheap RPC."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

import grpc
from harness.context import Context, Figures, scenario
from harness.load import UnaryLoad, start_unary
from harness.scen_unary import GET_TASK, _submit_one
from harness.servers import bench_config_tree

from architect.v1 import admin_pb2, admin_pb2_grpc, routing_pb2

#: The edit each reload applies: the shell SLA target alternates between two values.
SLA_FILE = "base/sla_rules.yaml"
SHELL_TARGET = re.compile(r"(\n  shell:\n    target_minutes: )\d+")
RELOADS = 100


def _copy_config(dest: Path) -> Path:
    # Without rate limits: the shipped gateway.yaml paces ReloadConfig at 5/s per caller (an
    # operator's safety net), and this scenario measures reloads back to back.
    return bench_config_tree(dest)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@scenario
def reload_under_load(ctx: Context) -> Figures:
    """Each reload: rewrite the SLA file, call ReloadConfig, which answers once the new
    version is in force. Meanwhile GetTask runs from ``processes`` processes; every call
    that does not answer OK counts as failed."""
    config = _copy_config(ctx.scratch / "reload-config")
    sla = config / SLA_FILE
    text = sla.read_text()
    if not SHELL_TARGET.search(text):
        raise RuntimeError(f"{sla}: no 'shell: target_minutes:' entry to edit")
    reloads = RELOADS if not ctx.quick else RELOADS // 5
    with ctx.architect(
        "reload_under_load", config_dir=config, extra=["--no-watch-config"]
    ) as server:
        request = routing_pb2.GetTaskRequest(task_id=_submit_one(server.target))
        load = start_unary(
            UnaryLoad(
                server.target,
                GET_TASK,
                request.SerializeToString(),
                ctx.processes,
                ctx.concurrency,
                seconds=600,
            )
        )
        apply_ms: list[float] = []
        versions = set()
        try:
            load.wait_measuring(1.0)
            ctx.progress(f"{reloads} reloads while GetTask runs from {ctx.processes} processes")
            with grpc.insecure_channel(server.target) as channel:
                admin = admin_pb2_grpc.AdminServiceStub(channel)
                for i in range(reloads):
                    t0 = time.perf_counter()
                    sla.write_text(SHELL_TARGET.sub(rf"\g<1>{5 + i % 2 + 1}", text))
                    resp = admin.ReloadConfig(admin_pb2.ReloadConfigRequest(), timeout=30)
                    apply_ms.append((time.perf_counter() - t0) * 1000)
                    if not resp.changed:
                        raise RuntimeError(f"reload {i} changed nothing: {resp}")
                    versions.add(resp.version)
                    if (i + 1) % 25 == 0:
                        ctx.progress(f"  {i + 1}/{reloads} reloads")
        finally:
            # Always stop the load processes, or a failed scenario leaves them running.
            result = load.stop()
        rss = server.rss_mb()
    if result.error_samples:
        ctx.progress(f"failed calls, e.g. {result.error_samples[0]}")
    return {
        "reloads": reloads,
        "versions": len(versions),
        "failed_calls": result.errors,
        "calls": result.calls,
        "calls_per_s": round(result.calls_per_s, 1),
        "p99_ms": round(result.percentile(99), 3),
        "apply_p50_ms": round(statistics.median(apply_ms), 2),
        "apply_p99_ms": round(_pct(apply_ms, 99), 2),
        "rss_mb": round(rss, 1),
    }
