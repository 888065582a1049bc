#!/usr/bin/env python3
"""Config hot-reload benchmark: how fast a file edit takes effect, and what a reload costs.

    .venv/bin/python benchmarks/config_reload.py [--rounds N] [--env ENV]

Starts a real server (port 0, uvloop) on a temporary copy of config/ and measures:

1. write → active: from just before a YAML file is rewritten (a changed SLA target) until
   (a) the manager's change callback fires and (b) a gRPC client polling GetConfigStatus
   every 5 ms sees the new version. The issue's target is under 1 s.
2. reload cost, in process: ``ConfigManager.reload()`` of a changed tree (load, validate,
   swap), against the bare libyaml parse of the same files as the baseline.
3. calls during reloads: 4 clients loop GetConfigStatus + GetEffectiveConfig while the config
   is reloaded R times; failed calls (must be 0) and the call rate against the same clients
   without reloads (the baseline).

Prints a table and writes JSON to benchmarks/results/config_reload-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
import uvloop
import yaml

from architect import paths
from architect.config import LoadedConfig
from architect.server.app import ArchitectServer, ServerOptions
from architect.v1 import admin_pb2, admin_pb2_grpc

SLA = "base/sla_rules.yaml"
TARGET = re.compile(r"(\n  shell:\n    target_minutes: )\d+")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(values),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "max": max(values),
    }


def set_target(tree: Path, minutes: int) -> None:
    path = tree / SLA
    path.write_text(TARGET.sub(rf"\g<1>{minutes}", path.read_text()))


async def write_to_active(
    srv: ArchitectServer, stub: Any, tree: Path, rounds: int
) -> dict[str, Any]:
    assert srv.config is not None
    changed: asyncio.Queue[float] = asyncio.Queue()

    def on_change(new: LoadedConfig, old: LoadedConfig) -> None:
        changed.put_nowait(time.perf_counter())

    srv.config.on_change(on_change)
    callback_ms, grpc_ms = [], []
    for i in range(rounds):
        before = (await stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest())).active.version
        start = time.perf_counter()
        set_target(tree, 100 + i)
        while True:
            status = await stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
            if status.active.version != before:
                grpc_ms.append((time.perf_counter() - start) * 1000)
                break
            await asyncio.sleep(0.005)
        callback_ms.append((await changed.get() - start) * 1000)
        await asyncio.sleep(0.05)  # let the watcher settle between rounds
    return {"callback_ms": summary(callback_ms), "grpc_observed_ms": summary(grpc_ms)}


async def reload_cost(srv: ArchitectServer, tree: Path, rounds: int) -> dict[str, Any]:
    assert srv.config is not None
    reload_ms, parse_ms = [], []
    files = [tree / name for name in srv.config.current.files]
    for i in range(rounds):
        set_target(tree, 500 + i)
        start = time.perf_counter()
        result = await srv.config.reload("benchmark")
        reload_ms.append((time.perf_counter() - start) * 1000)
        assert result.changed, result
        start = time.perf_counter()
        for path in files:
            yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        parse_ms.append((time.perf_counter() - start) * 1000)
    return {"reload_ms": summary(reload_ms), "baseline_yaml_parse_ms": summary(parse_ms)}


async def calls_during_reloads(
    srv: ArchitectServer, stub: Any, tree: Path, reloads: int
) -> dict[str, Any]:
    assert srv.config is not None

    async def load(stop: asyncio.Event, counts: dict[str, int]) -> None:
        while not stop.is_set():
            try:
                await stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
                await stub.GetEffectiveConfig(admin_pb2.GetEffectiveConfigRequest(file="sla_rules"))
                counts["ok"] += 2
            except grpc.aio.AioRpcError:
                counts["failed"] += 1

    async def phase(with_reloads: bool, seconds: float) -> dict[str, float]:
        stop, counts = asyncio.Event(), {"ok": 0, "failed": 0}
        clients = [asyncio.create_task(load(stop, counts)) for _ in range(4)]
        start = time.perf_counter()
        done = 0
        if with_reloads:
            for i in range(reloads):
                set_target(tree, 900 + i)
                done += (await srv.config.reload("benchmark load")).changed
        else:
            await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - start
        stop.set()
        await asyncio.gather(*clients)
        return {
            "calls": counts["ok"],
            "failed": counts["failed"],
            "seconds": elapsed,
            "calls_per_s": counts["ok"] / elapsed,
            "reloads": done,
        }

    loaded = await phase(True, 0)
    baseline = await phase(False, loaded["seconds"])
    return {"with_reloads": loaded, "baseline": baseline}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "config"
        for sub in ("base", "environments"):
            shutil.copytree(paths.default_config_dir() / sub, tree / sub)
        (tree / "local").mkdir()
        srv = ArchitectServer(
            ServerOptions(
                listen="127.0.0.1:0",
                config_dir=tree,
                env=args.env,
                database_url=f"sqlite:///{tmp}/db.sqlite",
            )
        )
        await srv.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{srv.port}") as ch:
                stub = admin_pb2_grpc.AdminServiceStub(ch)
                await asyncio.sleep(1.2)  # the watcher's start-up catch-up reload
                watch = await write_to_active(srv, stub, tree, args.rounds)
                await srv.config.stop()  # type: ignore[union-attr]
                cost = await reload_cost(srv, tree, args.rounds)
                load = await calls_during_reloads(srv, stub, tree, args.reloads)
        finally:
            await srv.stop(0)
    return {
        "rounds": args.rounds,
        "env": args.env,
        "write_to_active": watch,
        "reload_cost": cost,
        "calls_during_reloads": load,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="edits measured (default 30)")
    parser.add_argument("--reloads", type=int, default=50, help="reloads under load (default 50)")
    parser.add_argument("--env", default="production")
    args = parser.parse_args()
    result = uvloop.run(main_async(args))
    w, c, ld = result["write_to_active"], result["reload_cost"], result["calls_during_reloads"]
    target_ms = 1000.0
    rows = [
        ("write → change callback (ms)", w["callback_ms"], target_ms),
        ("write → seen over gRPC (ms)", w["grpc_observed_ms"], target_ms),
        ("reload: load+validate+swap (ms)", c["reload_ms"], c["baseline_yaml_parse_ms"]["p50"]),
        ("baseline: libyaml parse only (ms)", c["baseline_yaml_parse_ms"], None),
    ]
    print(f"{'measure':36} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  ratio (p50)")
    for name, s, base in rows:
        ratio = f"{s['p50'] / base:.3f}x of {base:.1f} ms" if base else ""
        print(f"{name:36} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f} {s['max']:8.1f}  {ratio}")
    wr, bl = ld["with_reloads"], ld["baseline"]
    print(
        f"calls during {wr['reloads']} reloads: {wr['calls']} ok, {wr['failed']} failed, "
        f"{wr['calls_per_s']:.0f}/s vs {bl['calls_per_s']:.0f}/s without reloads "
        f"({wr['calls_per_s'] / bl['calls_per_s']:.2f}x)"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"config_reload-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")
    return 0 if wr["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
