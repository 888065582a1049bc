"""Start the servers a benchmark drives: Architect itself, or a bare grpc.aio baseline.

Each runs in its own process, so its CPU time and RSS are its own, and the load
generator's processes compete with it for the cores exactly as real clients would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class ServerProcess:
    """A server running in a child process, listening on ``127.0.0.1:port``."""

    name: str
    proc: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        """Resident set size now, in MiB (from /proc)."""
        return _status_kib(self.proc.pid, "VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        """Peak resident set size so far, in MiB."""
        return _status_kib(self.proc.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server has used so far."""
        return cpu_seconds(self.proc.pid)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait for exit; SIGKILL if it does not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _wait_for_port(
    proc: subprocess.Popen[str], pattern: str, timeout: float
) -> tuple[int, list[str]]:
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(pattern, line)
        if m:
            return int(m.group(1)), lines
    proc.kill()
    raise RuntimeError("server did not start:\n" + "".join(lines))


def bench_config_tree(dest: Path) -> Path:
    """A copy of the shipped config whose ``local/gateway.yaml`` turns rate limits off.

    Load generators call as one (anonymous) caller, and the shipped per-caller buckets
    (2,000 calls/s by default) would cap every scenario at the limit rather than measure
    the server; h2load would even count the RESOURCE_EXHAUSTED answers as successes.
    """
    from architect import paths

    for sub in ("base", "environments"):
        shutil.copytree(paths.default_config_dir() / sub, dest / sub)
    (dest / "local").mkdir(parents=True, exist_ok=True)
    (dest / "local" / "gateway.yaml").write_text("rate_limits: {enabled: false}\n")
    return dest


def start_architect(
    data_dir: Path,
    *,
    database: str | None = None,
    config_dir: Path | None = None,
    extra: list[str] | None = None,
) -> ServerProcess:
    """``architect serve`` on a free port with its own data directory."""
    cmd = [sys.executable, "-m", "architect", "serve", "--listen", "127.0.0.1:0"]
    if database:
        cmd += ["--database", database]
    if config_dir is None:
        config_dir = bench_config_tree(data_dir / "config")
    cmd += ["--config-dir", str(config_dir)]
    cmd += extra or []
    env = {**os.environ, "ARCHITECT_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    port, lines = _wait_for_port(proc, r"listening on 127\.0\.0\.1:(\d+)", 60)
    _drain_stderr(proc)
    return ServerProcess("architect", proc, port, lines)


def start_bare(method: str) -> ServerProcess:
    """A bare grpc.aio server on uvloop answering ``method`` with an empty message."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "bare_server.py"), method], stderr=subprocess.PIPE, text=True
    )
    port, lines = _wait_for_port(proc, r"bare server on 127\.0\.0\.1:(\d+)", 30)
    _drain_stderr(proc)
    return ServerProcess("bare grpc.aio", proc, port, lines)


def _drain_stderr(proc: subprocess.Popen[str]) -> None:
    """Keep reading the child's stderr so a chatty server never blocks on a full pipe."""
    import threading

    def pump() -> None:
        assert proc.stderr is not None
        for _ in proc.stderr:
            pass

    threading.Thread(target=pump, daemon=True).start()
