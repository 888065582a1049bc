"""A writer killed with SIGKILL loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from architect.store import Store, open_store

REPO = Path(__file__).resolve().parents[2]
ACKED_BEFORE_KILL = 300


async def test_sigkill_loses_no_acknowledged_write(store: Store, store_url: str) -> None:
    await store.close()  # the schema is in place; the child process does the writing
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.store.crash_writer", store_url,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    acked: list[str] = []
    try:
        first = await proc.stdout.readline()
        assert first.strip() == b"ready", (await proc.stderr.read()).decode()
        while len(acked) < ACKED_BEFORE_KILL:
            line = await proc.stdout.readline()
            assert line, f"writer exited early: {(await proc.stderr.read()).decode()}"
            acked.append(line.decode().strip())
        proc.send_signal(signal.SIGKILL)  # mid-write: more batches are in flight
        rest = (await proc.stdout.read()).decode()
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    # Only whole lines count: a torn last line was never fully reported.
    acked += [line for line in rest.split("\n")[:-1] if line]
    assert proc.returncode == -signal.SIGKILL

    reopened = await open_store(store_url)
    try:
        found = await reopened.fetch_readonly(
            "SELECT id FROM tasks WHERE type = 'crash'", [], timeout_s=30, max_rows=10**7
        )
        stored = {row[0] for row in found.rows}
        missing = [task_id for task_id in acked if task_id not in stored]
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes were lost"
    finally:
        await reopened.close()
