"""``architect db migrate`` and ``architect db status`` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ARCHITECT = [sys.executable, "-m", "architect"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ARCHITECT, *args], capture_output=True, text=True, timeout=60)


def test_status_migrate_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'architect.db'}"
    before = _run("db", "status", "--database", url)
    assert before.returncode == 1, before.stderr
    assert "0001     initial" in before.stdout and "pending" in before.stdout

    migrated = _run("db", "migrate", "--database", url)
    assert migrated.returncode == 0, migrated.stderr
    assert "applied 0001_initial" in migrated.stdout

    again = _run("db", "migrate", "--database", url)
    assert again.returncode == 0 and "applied 0001" not in again.stdout
    assert "up to date" in again.stdout

    after = _run("db", "status", "--database", url)
    assert after.returncode == 0, after.stderr
    assert "applied" in after.stdout and "up to date" in after.stdout


def test_unreachable_database_exits_2() -> None:
    proc = _run("db", "status", "--database", "postgresql://postgres@127.0.0.1:1/none")
    assert proc.returncode == 2
    assert "cannot" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_url_exits_2() -> None:
    proc = _run("db", "migrate", "--database", "mysql://x")
    assert proc.returncode == 2 and "unsupported database URL" in proc.stderr
