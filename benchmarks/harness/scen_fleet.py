"""Scenarios with a fleet of sessions on their streams: end to end, and fleet memory."""

from __future__ import annotations

import time
from array import array

from harness.context import Context, Figures, scenario
from harness.fleet import Fleet, FleetReport, SubmitReport, SubmitSpec, Submitter
from harness.load import LoadResult
from harness.servers import ServerProcess

#: Fixed submit rate of ``end_to_end`` (tasks/s) and its batch size.
RATE, RATE_BATCH = 1000, 10
#: Batch size and submitter concurrency of ``end_to_end_max``.
MAX_BATCH, MAX_CONCURRENCY = 100, 4
#: ``fleet_memory``: pending tasks, in batches of this size, of a type no session can take.
PENDING, PENDING_BATCH, UNTAKEABLE = 100_000, 1000, "docs"


def _fleet_processes(sessions: int) -> int:
    return 1 if sessions <= 50 else 2


def _latencies(acks: SubmitReport, fleets: list[FleetReport]) -> tuple[LoadResult, int]:
    """Submit-ack to delivery per task; a delivery can beat its ack (clamped to 0, counted)."""
    delivered = {tid: t for f in fleets for tid, t in f.deliveries}
    out = LoadResult(latencies_ms=array("d"))
    early = 0
    for tid, acked in acks.acks:
        t = delivered.get(tid)
        if t is None:
            continue
        d = (t - acked) * 1000
        if d < 0:
            early += 1
            d = 0.0
        out.latencies_ms.append(d)
    out.calls = len(out.latencies_ms)
    return out, early


def _fleet_figures(fleets: list[FleetReport], figures: Figures, ctx: Context) -> None:
    errors = [e for f in fleets for e in f.stream_errors]
    figures["rejected"] = sum(f.rejected for f in fleets)
    figures["stream_errors"] = len(errors)
    if errors:
        ctx.progress(f"stream errors, e.g. {errors[0]}")


def _window(
    ctx: Context, server: ServerProcess, fleet: Fleet, seconds: float
) -> tuple[float, float, float]:
    """Measure completions/s, server CPU and fleet CPU (cores) over ``seconds``."""
    c0, cpu0, t0 = fleet.completed_total(), server.cpu_seconds(), time.monotonic()
    fleet_cpu0 = fleet.cpu_seconds()
    while (elapsed := time.monotonic() - t0) < seconds:
        time.sleep(min(2.0, seconds - elapsed))
        done = fleet.completed_total() - c0
        ctx.progress(f"  {done:,} completed, {done / (time.monotonic() - t0):,.0f}/s")
    dt = time.monotonic() - t0
    fleet_cpu = (fleet.cpu_seconds() - fleet_cpu0) / dt
    return (fleet.completed_total() - c0) / dt, (server.cpu_seconds() - cpu0) / dt, fleet_cpu


def _connect(ctx: Context, server: ServerProcess, sessions: int) -> tuple[Fleet, float]:
    ctx.progress(f"connecting {sessions} sessions")
    fleet = Fleet(server.target, sessions, _fleet_processes(sessions))
    fleet.wait_ready(120 + sessions / 10, ctx.progress)
    return fleet, server.rss_mb()


@scenario
def end_to_end(ctx: Context) -> Figures:
    """1,000 sessions on their streams, 1,000 shell tasks/s: submit-ack to delivery."""
    sessions = ctx.sessions
    rate = RATE if not ctx.quick else RATE // 4
    with ctx.architect("end_to_end") as server:
        fleet, rss_connected = _connect(ctx, server, sessions)
        completed = fleet.completed
        ctx.progress(f"submitting {rate} tasks/s in batches of {RATE_BATCH}")
        sub = Submitter(SubmitSpec(server.target, "shell", RATE_BATCH, rate=rate), completed)
        time.sleep(1.0)  # warm-up: not counted in the rate (latencies are per task anyway)
        per_s, cpu, fleet_cpu = _window(ctx, server, fleet, ctx.seconds)
        report = sub.stop()
        time.sleep(0.5)  # let the last deliveries arrive
        rss = server.rss_mb()
        fleets = fleet.stop()
    lat, early = _latencies(report, fleets)
    figures: Figures = {
        "sessions": sessions,
        "rate": rate,
        "tasks_per_s": round(per_s, 1),
        "delivered": lat.calls,
        "p50_ms": round(lat.percentile(50), 3),
        "p95_ms": round(lat.percentile(95), 3),
        "p99_ms": round(lat.percentile(99), 3),
        "delivered_before_ack": early,
        "submit_errors": report.errors,
        "rss_mb": round(rss, 1),
        "rss_connected_mb": round(rss_connected, 1),
        "server_cpu": round(cpu, 2),
        "fleet_cpu": round(fleet_cpu, 2),
        "server_cpu_ms_per_task": round(1000 * cpu / per_s, 3) if per_s else 0.0,
    }
    _fleet_figures(fleets, figures, ctx)
    return figures


@scenario
def end_to_end_max(ctx: Context) -> Figures:
    """As many tasks as the fleet completes: submitted in batches, assigned, completed."""
    sessions = ctx.sessions
    with ctx.architect("end_to_end_max") as server:
        fleet, _ = _connect(ctx, server, sessions)
        backlog = max(2 * sessions, 2 * MAX_BATCH * MAX_CONCURRENCY)
        ctx.progress(f"submitting as fast as completed (backlog {backlog}, batches {MAX_BATCH})")
        spec = SubmitSpec(
            server.target, "shell", MAX_BATCH, backlog=backlog, concurrency=MAX_CONCURRENCY
        )
        sub = Submitter(spec, fleet.completed)
        time.sleep(2.0)  # warm-up
        per_s, cpu, fleet_cpu = _window(ctx, server, fleet, ctx.seconds)
        report = sub.stop()
        rss = server.rss_mb()
        fleets = fleet.stop()
    lat, early = _latencies(report, fleets)
    figures: Figures = {
        "sessions": sessions,
        "tasks_per_s": round(per_s, 1),
        "delivered_before_ack": early,
        "p50_ms": round(lat.percentile(50), 3),
        "p99_ms": round(lat.percentile(99), 3),
        "submit_errors": report.errors,
        "rss_mb": round(rss, 1),
        "server_cpu": round(cpu, 2),
        "fleet_cpu": round(fleet_cpu, 2),
        # CPU the server spends per task: what a loaded, shared machine cannot hide.
        "server_cpu_ms_per_task": round(1000 * cpu / per_s, 3) if per_s else 0.0,
    }
    _fleet_figures(fleets, figures, ctx)
    return figures


@scenario
def fleet_memory(ctx: Context) -> Figures:
    """1,000 sessions heartbeating and 100,000 pending tasks no session can take: RSS."""
    sessions = ctx.sessions
    pending = PENDING if not ctx.quick else PENDING // 10
    with ctx.architect("fleet_memory") as server:
        rss_idle = server.rss_mb()
        fleet, rss_connected = _connect(ctx, server, sessions)
        ctx.progress(f"submitting {pending:,} {UNTAKEABLE!r} tasks in batches of {PENDING_BATCH}")
        t0 = time.monotonic()
        spec = SubmitSpec(
            server.target, UNTAKEABLE, PENDING_BATCH, backlog=10**9, concurrency=2, total=pending
        )
        report = Submitter(spec, fleet.completed).result(timeout=600)
        submit_s = time.monotonic() - t0
        # Hold long enough for every session to beat at least once (interval 10 s by default).
        hold = 12.0 if not ctx.quick else 3.0
        ctx.progress(f"{len(report.acks):,} pending in {submit_s:.1f}s; holding {hold:.0f}s")
        time.sleep(hold)
        rss, peak = server.rss_mb(), server.peak_rss_mb()
        fleets = fleet.stop()
    figures: Figures = {
        "sessions": sessions,
        "pending": len(report.acks),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
        "rss_idle_mb": round(rss_idle, 1),
        "rss_connected_mb": round(rss_connected, 1),
        "submit_tasks_per_s": round(len(report.acks) / submit_s, 1),
        "heartbeats": sum(f.heartbeats for f in fleets),
        "submit_errors": report.errors,
        "delivered": sum(len(f.deliveries) for f in fleets),
    }
    _fleet_figures(fleets, figures, ctx)
    return figures
