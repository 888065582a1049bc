"""``architect config validate | show | schema`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.config.conftest import edit, line_of

ARCHITECT = [sys.executable, "-m", "architect"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ARCHITECT, *args], capture_output=True, text=True, timeout=60)


def test_validate_ok(tree: Path) -> None:
    proc = run("config", "validate", "--config-dir", str(tree), "--env", "production")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "is valid" in proc.stdout and "environments/production/queries.yaml" in proc.stdout


def test_validate_prints_every_error_and_exits_1(tree: Path) -> None:
    edit(tree, "base/routing_rules.yaml", "    priority: 9\n", "    priorty: 9\n")
    edit(tree, "base/sla_rules.yaml", "    target_minutes: 5\n", "    target_minutes: 0\n")
    proc = run("config", "validate", "--config-dir", str(tree))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    routing_line = line_of(tree, "base/routing_rules.yaml", "priorty: 9")
    sla_line = line_of(tree, "base/sla_rules.yaml", "target_minutes: 0")
    assert any(
        ln.startswith(
            f"base/routing_rules.yaml:{routing_line}: "
            "routing_rules.task_types.deploy.priorty: unknown key"
        )
        for ln in lines
    ), lines
    assert any(
        ln.startswith(
            f"base/sla_rules.yaml:{sla_line}: sla_rules.sla_targets.shell.target_minutes: "
        )
        for ln in lines
    ), lines
    assert lines[-1].startswith("2 errors in ")


def test_show_with_origin(tree: Path) -> None:
    proc = run("config", "show", "--config-dir", str(tree), "--origin", "--file", "sla_rules")
    assert proc.returncode == 0, proc.stderr
    line = line_of(tree, "base/sla_rules.yaml", "target_minutes: 5")
    assert f"    target_minutes: 5.0  # base/sla_rules.yaml:{line}" in proc.stdout
    assert "check_interval: 10s  # base/sla_rules.yaml:" in proc.stdout
    assert "kind: log  # environments/development/sla_rules.yaml:" in proc.stdout
    assert "after_minutes: null  # default" in proc.stdout


def test_show_json(tree: Path) -> None:
    proc = run("config", "show", "--config-dir", str(tree), "--format", "json", "--origin")
    doc = json.loads(proc.stdout)
    assert set(doc["config"]) == {"routing_rules", "sla_rules", "queries", "workflows", "gateway"}
    assert doc["config"]["routing_rules"]["defaults"]["lease"] == "15s"  # development overlay
    assert doc["origins"]["routing_rules.defaults.lease"].startswith(
        "environments/development/routing_rules.yaml:"
    )


def test_schema_print_and_write(tmp_path: Path) -> None:
    proc = run("config", "schema", "--file", "workflows")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Architect workflows.yaml"
    proc = run("config", "schema", "--out", str(tmp_path / "schema"))
    assert proc.returncode == 0
    assert (tmp_path / "schema/overlay/routing_rules.schema.json").is_file()
    assert len(list((tmp_path / "schema").rglob("*.json"))) == 10  # 5 files, full + overlay
    assert run("config", "schema", "--file", "nope").returncode == 1


def test_serve_refuses_an_invalid_config(tree: Path, tmp_path: Path) -> None:
    edit(tree, "base/sla_rules.yaml", "    target_minutes: 5\n", "    target_minutes: 0\n")
    proc = subprocess.run(
        [
            *ARCHITECT,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config-dir",
            str(tree),
            "--database",
            f"sqlite:///{tmp_path / 'db.sqlite'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "sla_rules.sla_targets.shell.target_minutes" in proc.stderr
    assert "listening on" not in proc.stderr
