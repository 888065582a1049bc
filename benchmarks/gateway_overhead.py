"""Cost of the full gateway stack: the same cheap RPC with and without it, in one run.

    .venv/bin/python benchmarks/gateway_overhead.py [--seconds N] [--rounds R]

One server process (uvloop) hosts two servers with the same AdminService implementation:

* ``bare``: a plain ``grpc.aio`` server with the service's handlers and no interceptor;
* ``gateway``: the real ``ArchitectServer`` with the whole gateway: auth on (a bearer token),
  a rate limit high enough never to trigger, request ids, error masking, metrics recorded and
  served on a /metrics port (tracing off: it is optional and off by default).

Load comes from separate client processes (``--clients``, each with ``--concurrency`` calls in
flight on uvloop, sending pre-serialised bytes so the client stays cheap). Rounds alternate
bare/gateway so drift on a shared machine hits both alike; the figure per configuration is the
median over rounds. The goal is at most 15% fewer calls per second with the gateway.

Prints a table and writes JSON to benchmarks/results/gateway_overhead-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
METHOD = "/architect.v1.AdminService/GetServerInfo"
CONFIGS = ("bare", "noop", "gateway")


def _settings_and_token() -> tuple[Any, str]:
    from architect import paths
    from architect.config import load_config
    from architect.config.gateway import deep_merge
    from architect.gateway import parse_settings
    from architect.gateway.tokens import generate_token, hash_token

    token = generate_token()
    data = load_config(paths.default_config_dir(), "development").gateway.model_dump(mode="json")
    data["auth"]["tokens"] = [{"name": "bench", "role": "reader", "sha256": hash_token(token)}]
    never = {"name": "all", "methods": ["*"], "rate": 1e9, "burst": 1_000_000_000}
    return parse_settings(deep_merge(data, {"rate_limits": {"groups": [never]}})), token


class _Admin:
    async def GetServerInfo(self, request: Any, context: Any) -> Any:
        from architect.v1 import admin_pb2

        return admin_pb2.GetServerInfoResponse(version="bench")


def _pass_through() -> Any:
    import grpc

    class PassThrough(grpc.aio.ServerInterceptor):
        async def intercept_service(self, continuation: Any, details: Any) -> Any:
            return await continuation(details)

    return PassThrough()


def _server_main(ports: Any, stop: Any, token_out: Any) -> None:
    import grpc
    import uvloop

    from architect import paths
    from architect.gateway import GatewayOptions
    from architect.server.app import ArchitectServer, ServerOptions
    from architect.server.registry import SERVICES, generic_handler

    async def main() -> None:
        settings, token = _settings_and_token()
        impl = _Admin()
        bare = grpc.aio.server()
        bare.add_generic_rpc_handlers(
            [generic_handler(SERVICES["architect.v1.AdminService"], impl)]
        )
        bare_port = bare.add_insecure_port("127.0.0.1:0")
        await bare.start()
        # A pass-through interceptor: what grpc.aio's interceptor machinery alone costs.
        noop = grpc.aio.server(interceptors=[_pass_through()])
        noop.add_generic_rpc_handlers(
            [generic_handler(SERVICES["architect.v1.AdminService"], impl)]
        )
        noop_port = noop.add_insecure_port("127.0.0.1:0")
        await noop.start()
        data_dir = tempfile.mkdtemp(prefix="architect-gw-bench-")
        full = ArchitectServer(
            ServerOptions(
                listen="127.0.0.1:0",
                config_dir=paths.default_config_dir(),
                database_url=f"sqlite:///{data_dir}/architect.db",
                watch_config=False,
                gateway=GatewayOptions(settings=settings, metrics_listen="127.0.0.1:0"),
            ),
            implementations={"architect.v1.AdminService": impl},
        )
        await full.start()
        token_out.put(token)
        ports.put({"bare": bare_port, "noop": noop_port, "gateway": full.port})
        await asyncio.to_thread(stop.wait)
        assert full.gateway is not None
        handled = full.gateway.metrics.registry.get_sample_value(
            "architect_rpc_handled_total",
            {"service": "architect.v1.AdminService", "method": "GetServerInfo", "code": "OK"},
        )
        ports.put({"gateway_ok_calls": handled})
        await full.stop(0)
        await bare.stop(0)
        await noop.stop(0)

    uvloop.run(main())


def _client_main(port: int, token: str, seconds: float, concurrency: int, out: Any) -> None:
    import grpc
    import uvloop

    from architect.v1 import admin_pb2

    request = admin_pb2.GetServerInfoRequest().SerializeToString()
    metadata = (("authorization", f"Bearer {token}"),)

    async def main() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(METHOD)  # raw bytes both ways: no client-side protobuf
            counting = False
            done = errors = total = 0
            deadline = 0.0

            async def worker() -> None:
                nonlocal done, errors, total
                while time.monotonic() < deadline:
                    try:
                        await call(request, metadata=metadata, timeout=10)
                    except grpc.aio.AioRpcError:
                        errors += 1
                        continue
                    total += 1
                    if counting:
                        done += 1

            warmup = 0.5
            deadline = time.monotonic() + warmup + seconds
            workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
            await asyncio.sleep(warmup)
            counting, start = True, time.monotonic()
            await asyncio.gather(*workers)
            out.put((done, time.monotonic() - start, errors, total))

    uvloop.run(main())


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    ctx: Any, server_pid: int, port: int, token: str, args: argparse.Namespace
) -> tuple[float, float, int]:
    """Calls per second, server CPU microseconds per call, and errors, for one round."""
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_client_main, args=(port, token, args.seconds, args.concurrency, out))
        for _ in range(args.clients)
    ]
    cpu_before = _cpu_seconds(server_pid)
    for p in procs:
        p.start()
    results = [out.get(timeout=args.seconds + 60) for _ in procs]
    cpu = _cpu_seconds(server_pid) - cpu_before
    for p in procs:
        p.join()
    calls = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results)
    # CPU per call is far steadier than throughput on a shared machine: other processes
    # steal wall-clock time, not the server's own CPU seconds.
    cpu_us = 1e6 * cpu / max(1, sum(r[3] for r in results))
    return calls / elapsed, cpu_us, sum(r[2] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="bare/gateway rounds (median)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight per client")
    args = parser.parse_args()

    ctx = mp.get_context("spawn")
    ports_q, token_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_server_main, args=(ports_q, stop, token_q))
    server.start()
    try:
        token = token_q.get(timeout=60)
        ports = ports_q.get(timeout=60)
        rates: dict[str, list[float]] = {name: [] for name in CONFIGS}
        cpu: dict[str, list[float]] = {name: [] for name in CONFIGS}
        errors = 0
        assert server.pid is not None
        for _ in range(args.rounds):
            for name in CONFIGS:
                rate, cpu_us, errs = _measure(ctx, server.pid, ports[name], token, args)
                rates[name].append(rate)
                cpu[name].append(cpu_us)
                errors += errs
                print(
                    f"  round: {name:8s} {rate:9.0f} calls/s {cpu_us:7.1f} us server CPU/call",
                    file=sys.stderr,
                )
        stop.set()
        after = ports_q.get(timeout=60)
    finally:
        stop.set()
        server.join(timeout=30)
        if server.is_alive():
            server.kill()

    bare, full = statistics.median(rates["bare"]), statistics.median(rates["gateway"])
    cpu_bare, cpu_full = statistics.median(cpu["bare"]), statistics.median(cpu["gateway"])
    ratio = full / bare
    print()
    print(f"{'configuration':32s} {'calls/s (median)':>18s} {'vs bare':>9s} {'CPU us/call':>12s}")
    print(f"{'bare grpc.aio (no interceptor)':32s} {bare:18.0f} {1.0:9.3f} {cpu_bare:12.1f}")
    noop, cpu_noop = statistics.median(rates["noop"]), statistics.median(cpu["noop"])
    print(f"{'pass-through interceptor':32s} {noop:18.0f} {noop / bare:9.3f} {cpu_noop:12.1f}")
    print(f"{'full gateway stack':32s} {full:18.0f} {ratio:9.3f} {cpu_full:12.1f}")
    print(
        f"\nthroughput cost of the gateway: {100 * (1 - ratio):.1f}% "
        f"(goal: at most 15%); {args.clients} client processes x {args.concurrency} in flight, "
        f"{args.rounds} rounds of {args.seconds:g}s; RPC errors: {errors}; "
        f"gateway OK calls counted by its metrics: {after['gateway_ok_calls']:.0f}"
    )
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"gateway_overhead-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "gateway_overhead",
                "rpc": METHOD,
                "args": vars(args),
                "rounds": rates,
                "median_calls_per_second": {"bare": bare, "noop": noop, "gateway": full},
                "ratio_gateway_to_bare": ratio,
                "server_cpu_us_per_call": cpu,
                "median_server_cpu_us_per_call": {
                    "bare": cpu_bare,
                    "noop": cpu_noop,
                    "gateway": cpu_full,
                },
                "goal_min_ratio": 0.85,
                "rpc_errors": errors,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
