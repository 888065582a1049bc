"""Check measured figures against benchmarks/targets.yaml; print a table; write JSON."""

from __future__ import annotations

import contextlib
import json
import math
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    id: str
    what: str
    scenario: str
    metric: str
    goal: float
    better: str
    seed: float | None = None
    criterion: float | None = None
    #: Checked only on this backend (sqlite | postgresql); every backend when unset.
    backend: str | None = None

    def passes(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value <= self.goal if self.better == "lower" else value >= self.goal


def load_targets(path: Path = HERE / "targets.yaml") -> list[Target]:
    data = yaml.safe_load(path.read_text())
    return [Target(**t) for t in data["targets"]]


def machine() -> dict[str, Any]:
    """Facts about the machine that produced the figures."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": __import__("os").cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with contextlib.suppress(OSError):
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip()
    return info


def render(
    results: dict[str, dict[str, float]], targets: list[Target], backend: str | None = None
) -> tuple[str, int]:
    """The pass/fail table for every target whose scenario ran on a backend it applies to;
    and the number failing."""
    rows = [("target", "scenario.metric", "measured", "goal", "criterion", "seed", "result")]
    failed = 0
    for t in targets:
        if t.scenario not in results or (t.backend and backend and t.backend != backend):
            continue
        value = results[t.scenario].get(t.metric, float("nan"))
        ok = t.passes(value)
        failed += not ok
        op = "<=" if t.better == "lower" else ">="
        rows.append(
            (
                t.id,
                f"{t.scenario}.{t.metric}",
                f"{value:,.3f}" if not math.isnan(value) else "n/a",
                f"{op} {t.goal:,g}",
                f"{op} {t.criterion:,g}" if t.criterion is not None else "",
                f"{t.seed:,g}" if t.seed is not None else "",
                "PASS" if ok else "FAIL",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines), failed


def write_json(
    results: dict[str, dict[str, float]],
    out_dir: Path,
    name: str,
    meta: dict[str, Any] | None = None,
) -> Path:
    """``<out_dir>/<name>-<time>.json``: the machine, ``meta`` (command, load...), figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    payload = {"machine": machine(), **(meta or {}), "results": results}
    path.write_text(json.dumps(payload, indent=2))
    return path
