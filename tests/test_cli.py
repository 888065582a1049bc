"""The ``architect`` command as a user runs it: help, version, serve and SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from architect.cli import build_parser

ARCHITECT = [sys.executable, "-m", "architect"]


def _subcommands() -> list[str]:
    parser = build_parser({})
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[arg-type]


def test_top_level_help_lists_commands() -> None:
    out = subprocess.run([*ARCHITECT, "--help"], capture_output=True, text=True, check=True).stdout
    for name in _subcommands():
        assert name in out


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command: str) -> None:
    proc = subprocess.run([*ARCHITECT, command, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "usage: architect" in proc.stdout


def test_serve_help_explains_every_option() -> None:
    out = subprocess.run(
        [*ARCHITECT, "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in ("--listen", "--config-dir", "--env", "--database", "--grace"):
        assert flag in out
    assert "127.0.0.1:50051" in out


def _start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    env = {**os.environ, "ARCHITECT_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [*ARCHITECT, "serve", "--listen", "127.0.0.1:0", "--grace", "3", *extra],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,  # "from any directory"
    )
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1)), lines
    proc.kill()
    raise AssertionError("server did not report its port:\n" + "".join(lines))


def _check_health(port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(resp.status)


def test_serve_defaults_then_sigterm_exits_zero(tmp_path: Path) -> None:
    proc, port, lines = _start_serve(tmp_path)
    try:
        assert _check_health(port) == health_pb2.HealthCheckResponse.SERVING
        log = "".join(lines)
        # The log says which config and database the server uses.
        assert "config:" in log
        assert f"database: sqlite:///{tmp_path / 'data' / 'architect.db'}" in log
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_sigint_exits_zero(tmp_path: Path) -> None:
    proc, _, _ = _start_serve(tmp_path)
    try:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
