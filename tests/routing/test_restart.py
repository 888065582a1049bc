"""Crash safety of routing: SIGKILL the server while tasks flow, restart, lose nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc

from architect.store import open_store
from architect.v1 import common_pb2, routing_pb2, routing_pb2_grpc
from tests.routing.worker import Worker

TERMINAL = {common_pb2.TASK_STATE_SUCCEEDED, common_pb2.TASK_STATE_FAILED}


def start_server(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "architect", "serve", "--listen", "127.0.0.1:0",
         "--database", database_url, "--env", "development", "--no-watch-config"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "ARCHITECT_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise AssertionError("server did not start:\n" + "".join(lines))


async def _work(worker: Worker, stop: asyncio.Event) -> None:
    """Complete whatever arrives until told to stop (or the stream dies)."""
    while not stop.is_set():
        try:
            a = await worker.next_assignment(wait=0.2)
        except TimeoutError:
            continue
        with contextlib.suppress(Exception):
            await worker.complete(a, done=True)


async def test_sigkill_while_tasks_flow(database_url: str, tmp_path: Path) -> None:
    proc, port = start_server(database_url, tmp_path)
    acked: list[str] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = routing_pb2_grpc.RoutingServiceStub(ch)
            workers = [await Worker(ch, f"crash-{i}", "local", []).start() for i in range(3)]
            stop = asyncio.Event()
            loops = [asyncio.create_task(_work(w, stop)) for w in workers]
            for batch in range(15):
                resp = await stub.SubmitTasks(
                    routing_pb2.SubmitTasksRequest(
                        tasks=[routing_pb2.TaskSpec(type="shell", payload={"b": batch})] * 10
                    )
                )
                acked.extend(r.task.id for r in resp.results)
                if batch == 10:
                    proc.send_signal(signal.SIGKILL)  # mid-flow: work assigned and in flight
                    break
            stop.set()
            await asyncio.gather(*loops, return_exceptions=True)
    finally:
        proc.kill()
        proc.wait()

    # Nothing acknowledged is missing, and no task has two active assignments.
    store = await open_store(database_url)
    try:
        for task_id in acked:
            await store.get_task(task_id)  # NotFound would fail the test
        dup = await store.fetch_readonly(
            "SELECT task_id FROM assignments WHERE status = 'active' "
            "GROUP BY task_id HAVING COUNT(*) > 1",
            [], timeout_s=10, max_rows=10,
        )  # fmt: skip
        assert dup.rows == ()
        live = await store.load_live_state()
        active = {a.task_id for a in live.assignments}
        for t in live.tasks:
            assert (t.status in ("assigned", "running")) == (t.id in active), t
    finally:
        await store.close()

    # After a restart the same workers reconnect and every acknowledged task finishes.
    proc, port = start_server(database_url, tmp_path)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = routing_pb2_grpc.RoutingServiceStub(ch)
            workers = [await Worker(ch, f"crash-{i}", "local", []).start() for i in range(3)]
            stop = asyncio.Event()
            loops = [asyncio.create_task(_work(w, stop)) for w in workers]
            deadline = time.monotonic() + 30
            remaining = set(acked)
            while remaining and time.monotonic() < deadline:
                for task_id in list(remaining):
                    got = await stub.GetTask(routing_pb2.GetTaskRequest(task_id=task_id))
                    if got.task.state in TERMINAL:
                        assert got.task.state == common_pb2.TASK_STATE_SUCCEEDED
                        remaining.discard(task_id)
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.gather(*loops, return_exceptions=True)
            assert not remaining, f"{len(remaining)} acknowledged tasks never finished"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
