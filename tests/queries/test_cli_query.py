"""``architect query list | run`` against a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest

from architect.cli import main
from tests.queries.conftest import TASK_PENDING, Live


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Awaitable[tuple[int, str, str]]]:
    """Run ``architect ARGS`` in-process (on a thread: its gRPC client is blocking)."""

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# The CLI talks gRPC only; one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_query_cli(live: Live, cli: Callable[..., Awaitable[tuple[int, str, str]]]) -> None:
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
