"""``architect query list | run`` against a real server (the CLI runs in a subprocess)."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from tests.queries.conftest import TASK_PENDING, Live


async def cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "architect",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


# The CLI talks gRPC only; one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_query_cli(live: Live) -> None:
    server = f"127.0.0.1:{live.server.port}"
    code, out, _ = await cli("query", "list", "--server", server)
    assert code == 0
    assert "pending_tasks" in out and "[limit:integer=100]" in out and "task_id:uuid!" in out

    code, out, _ = await cli(
        "query", "run", "pending_tasks", "-p", "type=shell", "-p", "limit=5",
        "--server", server, "--format", "json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert [r["id"] for r in doc["rows"]] == [TASK_PENDING]
    code, out, _ = await cli(
        "query", "run", "recent_failures", "-p", "since=-100000h", "--server", server
    )
    assert code == 0 and out.splitlines()[0].split()[:2] == ["id", "type"]

    code, _, err = await cli("query", "run", "pending_tasks", "-p", "limit=x", "--server", server)
    assert code == 2 and "limit: 'x' is not a integer" in err
    code, _, err = await cli("query", "run", "pending_tasks", "-p", "limit=0", "--server", server)
    assert code == 1 and "INVALID_ARGUMENT" in err and "'limit'" in err
    code, _, err = await cli("query", "run", "nope", "--server", server)
    assert code == 1 and "NOT_FOUND" in err
