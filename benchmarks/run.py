#!/usr/bin/env python3
"""Architect's benchmark suite: one command, a table against targets.yaml, JSON for diffs.

    .venv/bin/python benchmarks/run.py                       # every scenario, embedded SQLite
    .venv/bin/python benchmarks/run.py --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/run.py --quick               # a ~2 minute smoke of everything
    .venv/bin/python benchmarks/run.py --scenarios end_to_end --seconds 10

Each scenario starts its own server (``architect serve`` on a free port, fresh data dir, and
on PostgreSQL a scratch database created from --database and dropped afterwards) and, where
a baseline exists, the baseline too, in the same run: figures are reported as measured and
as ratios, because the load generators share the machine's cores with the server.
Exits 1 when a scenario errors; a missed target is a FAIL row, not an error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Importing a scenario module registers its scenarios, in this order.
from harness import (  # noqa: F401
    report,
    scen_fleet,
    scen_pgqueuer,
    scen_query,
    scen_reload,
    scen_unary,
)
from harness.context import SCENARIOS, Context, Figures, scenario

__all__ = ["SCENARIOS", "Context", "Figures", "scenario"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated scenarios to run (default: all: %(default)s)",
    )
    parser.add_argument("--seconds", type=float, help="measured seconds per load (default 8)")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight per process")
    parser.add_argument("--sessions", type=int, help="sessions in the fleet scenarios (1000)")
    parser.add_argument(
        "--database", default=None, help="database URL for Architect (default: embedded SQLite)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="short loads, small fleets: a smoke of the suite"
    )
    parser.add_argument(
        "--no-h2load", action="store_true", help="drive unary calls from Python even if h2load is"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results",
        help="directory for the JSON results (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    seconds = args.seconds or (2.0 if args.quick else 8.0)
    sessions = args.sessions or (100 if args.quick else 1000)

    results: dict[str, Figures] = {}
    errors: dict[str, str] = {}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="architect-bench-") as tmp:
        ctx = Context(
            seconds,
            args.processes,
            args.concurrency,
            args.database,
            Path(tmp),
            quick=args.quick,
            sessions=sessions,
            h2load=not args.no_h2load,
            results=results,
        )
        for i, name in enumerate(names, 1):
            ctx.progress(f"scenario {i}/{len(names)}: {name}")
            try:
                figures = SCENARIOS[name](ctx)
            except Exception as exc:
                traceback.print_exc()
                errors[name] = f"{type(exc).__name__}: {exc}"
                ctx.progress(f"{name}: ERROR {errors[name]}")
                continue
            if figures:
                results[name] = figures
                ctx.progress(f"{name}: {figures}")

    backend = "postgresql" if ctx.postgres else "sqlite"
    table, failed = report.render(results, report.load_targets(), backend)
    print(table)
    for name, err in errors.items():
        print(f"ERROR  {name}: {err}")
    meta = {
        "backend": backend,
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "errors": errors,
        "targets_failed": failed,
    }
    path = report.write_json(results, args.out, f"run-{backend}", meta)
    print(f"\n{failed} target(s) missed; load average {meta['loadavg_after']}; JSON: {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
