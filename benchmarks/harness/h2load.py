"""Fixed unary gRPC calls driven by h2load (Debian's nghttp2-client), when it is installed.

h2load is a C HTTP/2 load generator: one thread keeps hundreds of calls in flight for a
fraction of the CPU a Python client needs, so on a small machine more of the cores are left
to the server being measured. It speaks HTTP/2, not gRPC: it sends our pre-framed message
(1 byte "not compressed", 4 bytes length, the protobuf) with gRPC's headers, and sees only
the HTTP status, never ``grpc-status`` (a gRPC error is an HTTP 200). So callers check the
exact same bytes with a real gRPC call before and after (:func:`check_grpc`), and a server
that starts failing mid-run shows up there. Latency per call comes from ``--log-file``.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
from array import array
from pathlib import Path

import grpc
from harness.load import LoadResult, UnaryLoad


def available() -> bool:
    return shutil.which("h2load") is not None


def check_grpc(target: str, method: str, request: bytes) -> None:
    """One real gRPC call with the benchmark's bytes; raises when it does not answer OK."""
    with grpc.insecure_channel(target) as channel:
        channel.unary_unary(method)(request, timeout=10)


def run(load: UnaryLoad, threads: int = 1) -> LoadResult:
    """Run ``load`` with h2load: ``processes`` connections x ``concurrency`` streams each.

    The first ``warmup`` seconds are run but not counted (cut out of the per-call log).
    """
    with tempfile.TemporaryDirectory(prefix="h2load-") as tmp:
        body = Path(tmp) / "body"
        body.write_bytes(b"\0" + struct.pack(">I", len(load.request)) + load.request)
        log = Path(tmp) / "log"
        cmd = [
            "h2load",
            f"--clients={load.processes}",
            f"--max-concurrent-streams={load.concurrency}",
            f"--threads={threads}",
            f"--duration={math.ceil(load.seconds + load.warmup)}",
            f"--data={body}",
            "--header=content-type: application/grpc",
            "--header=te: trailers",
            f"--log-file={log}",
            f"http://{load.target}{load.method}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=load.seconds + 60)
        if proc.returncode != 0:
            raise RuntimeError(f"h2load failed ({proc.returncode}): {proc.stderr[-2000:]}")
        starts: list[tuple[int, int, int]] = []
        for line in log.read_text().splitlines():
            start_us, status, elapsed_us = line.split("\t")
            starts.append((int(start_us), int(status), int(elapsed_us)))
    result = LoadResult(seconds=load.seconds, latencies_ms=array("d"))
    if not starts:
        return result
    t0 = min(s for s, _, _ in starts) + int(load.warmup * 1e6)
    t1 = t0 + int(load.seconds * 1e6)
    for start, status, elapsed in starts:
        if not t0 <= start < t1:
            continue
        if status == 200:
            result.calls += 1
            result.latencies_ms.append(elapsed / 1000)
        else:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"HTTP {status}")
    return result
