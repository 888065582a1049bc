"""The benchmark harness itself, so it cannot rot unnoticed: a tiny run of the real suite.

Runs ``benchmarks/run.py`` as a user would, with a handful of sessions for a second, and
checks that it completes and reports figures. Never asserts on timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import report

ROOT = Path(__file__).resolve().parent.parent


def test_quick_run_reports_figures(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
         "--scenarios", "end_to_end,submit_batch", "--sessions", "4", "--seconds", "1",
         "--processes", "1", "--concurrency", "4", "--no-h2load", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scenario 2/2: submit_batch" in proc.stderr  # progress lines while it runs
    assert "assignment_latency_p99" in proc.stdout and "submit_batch_rate" in proc.stdout
    (out,) = tmp_path.glob("run-sqlite-*.json")
    data = json.loads(out.read_text())
    assert data["errors"] == {} and data["backend"] == "sqlite"
    assert data["machine"]["cpus"] >= 1
    e2e, batch = data["results"]["end_to_end"], data["results"]["submit_batch"]
    assert e2e["sessions"] == 4 and e2e["delivered"] > 0 and e2e["tasks_per_s"] > 0
    assert e2e["stream_errors"] == 0 and e2e["rejected"] == 0 and e2e["submit_errors"] == 0
    assert e2e["p99_ms"] >= e2e["p50_ms"] >= 0 and e2e["rss_mb"] > 0
    assert batch["calls"] > 0 and batch["errors"] == 0
    assert batch["tasks_per_s"] == round(batch["calls_per_s"] * 100, 1)


def test_unknown_scenario_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--scenarios", "no_such"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2 and "unknown scenario(s) no_such" in proc.stderr


def test_table_checks_goals_per_backend() -> None:
    targets = [
        report.Target("fast", "x", "s", "p99_ms", goal=5, better="lower"),
        report.Target("many", "x", "s", "rate", goal=100, better="higher"),
        report.Target("pg_only", "x", "s", "rate", goal=1, better="higher", backend="postgresql"),
        report.Target("not_run", "x", "other", "rate", goal=1, better="higher"),
    ]
    table, failed = report.render({"s": {"p99_ms": 4.0, "rate": 50.0}}, targets, "sqlite")
    rows = {line.split()[0]: line.rstrip() for line in table.splitlines()[2:]}
    assert set(rows) == {"fast", "many"}
    assert rows["fast"].endswith("PASS") and rows["many"].endswith("FAIL") and failed == 1
    _, failed_pg = report.render({"s": {"p99_ms": 4.0, "rate": 50.0}}, targets, "postgresql")
    assert failed_pg == 1  # pg_only passes (50 >= 1); many still fails
    for t in report.load_targets():  # the shipped file parses and names real directions
        assert t.better in ("lower", "higher") and t.backend in (None, "sqlite", "postgresql")
