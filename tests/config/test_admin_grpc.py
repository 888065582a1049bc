"""Hot reload over real gRPC: a file edit, ReloadConfig, an invalid edit, SIGHUP, and reloads
under a steady stream of calls. Timing is not asserted here (see benchmarks/config_reload.py);
a generous deadline only keeps a broken watcher from hanging the suite."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status

from architect.server.app import ArchitectServer, ServerOptions
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.config.conftest import edit, line_of

SLA = "base/sla_rules.yaml"
AdminStub = admin_pb2_grpc.AdminServiceStub
DEADLINE = 10.0


@pytest.fixture
async def live(tree: Path, tmp_path: Path) -> AsyncIterator[tuple[ArchitectServer, Path]]:
    srv = ArchitectServer(
        ServerOptions(
            listen="127.0.0.1:0",
            config_dir=tree,
            env="development",
            database_url=f"sqlite:///{tmp_path / 'architect.db'}",
            grace_period=1.0,
        )
    )
    await srv.start()
    try:
        yield srv, tree
    finally:
        await srv.stop(0)


@pytest.fixture
async def admin(
    live: tuple[ArchitectServer, Path],
) -> AsyncIterator[admin_pb2_grpc.AdminServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{live[0].port}") as ch:
        yield admin_pb2_grpc.AdminServiceStub(ch)


def set_shell_target(tree: Path, minutes: int) -> None:
    path = tree / SLA
    text, n = re.subn(
        r"(\n  shell:\n    target_minutes: )\d+", rf"\g<1>{minutes}", path.read_text()
    )
    assert n == 1
    path.write_text(text)


async def shell_target(admin: admin_pb2_grpc.AdminServiceStub) -> float:
    resp = await admin.GetEffectiveConfig(admin_pb2.GetEffectiveConfigRequest(file="sla_rules"))
    return resp.config["sla_rules"]["sla_targets"]["shell"]["target_minutes"]


async def eventually(check: Callable[[], object]) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "condition not met within the deadline"
        await asyncio.sleep(0.02)


async def test_status_describes_the_active_config(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
    assert status.active.version == live[0].config.current.version  # type: ignore[union-attr]
    assert status.active.env == "development"
    assert status.active.config_dir == str(live[1])
    assert list(status.active.files)[:1] == ["base/routing_rules.yaml"]
    assert status.active.loaded_at.seconds > 0
    assert not status.HasField("last_rejected")
    assert status.reload_count == 0
    info = await admin.GetServerInfo(admin_pb2.GetServerInfoRequest())
    assert info.listen_address == f"127.0.0.1:{live[0].port}"
    assert info.database.backend == admin_pb2.DATABASE_BACKEND_SQLITE


async def test_file_edit_applies_without_restart(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    assert await shell_target(admin) == 5
    before = (await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())).active.version
    edit(live[1], SLA, "    target_minutes: 5\n", "    target_minutes: 9\n")
    await eventually(lambda: _target_is(admin, 9))
    status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
    assert status.active.version != before
    assert status.reload_count == 1


async def _target_is(admin: admin_pb2_grpc.AdminServiceStub, value: float) -> bool:
    return await shell_target(admin) == value


async def test_reload_config_rpc(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    await live[0].config.stop()  # type: ignore[union-attr]  # only the RPC may reload here
    unchanged = await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())
    assert not unchanged.changed
    edit(live[1], SLA, "    target_minutes: 5\n", "    target_minutes: 11\n")
    resp = await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())
    assert resp.changed
    assert (await admin.GetEffectiveConfig(admin_pb2.GetEffectiveConfigRequest())).version == (
        resp.version
    )
    assert await shell_target(admin) == 11


async def test_invalid_edit_keeps_the_old_version(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    await live[0].config.stop()  # type: ignore[union-attr]  # the RPC triggers the reload
    before = (await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())).active.version
    edit(live[1], SLA, "    target_minutes: 5\n", "    target_minutes: -5\n")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    line = line_of(live[1], SLA, "target_minutes: -5")
    expected = f"{SLA}:{line}: sla_rules.sla_targets.shell.target_minutes"
    assert expected in (err.value.details() or "")
    rich = rpc_status.from_call(err.value)
    assert rich is not None
    detail = admin_pb2.ReloadConfigResponse()
    assert rich.details[0].Unpack(detail)
    assert detail.version == before and [e.line for e in detail.errors] == [line]

    status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
    assert status.active.version == before
    assert await shell_target(admin) == 5
    (error,) = status.last_rejected.errors
    assert (error.file, error.line, error.key_path) == (SLA, line, expected.split(": ")[1])
    assert "greater than 0" in error.message

    # ValidateConfig checks an edit without applying it.
    fixed = (live[1] / SLA).read_text().replace("target_minutes: -5", "target_minutes: 6")
    check = await admin.ValidateConfig(admin_pb2.ValidateConfigRequest(files={SLA: fixed}))
    assert check.valid and check.version and check.version != before
    bad = await admin.ValidateConfig(admin_pb2.ValidateConfigRequest())
    assert not bad.valid and bad.errors[0].line == line
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.ValidateConfig(admin_pb2.ValidateConfigRequest(files={"../x.yaml": ""}))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    # Fixing the file clears the rejection.
    (live[1] / SLA).write_text(fixed)
    assert (await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())).changed
    status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
    assert not status.HasField("last_rejected")


async def test_invalid_file_edit_is_rejected_by_the_watcher(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    before = (await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())).active.version
    edit(live[1], SLA, "    target_minutes: 5\n", "    target_minutes: [5\n")

    async def rejected() -> bool:
        status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
        return status.HasField("last_rejected")

    await eventually(rejected)
    status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
    assert status.active.version == before
    assert status.last_rejected.errors[0].file == SLA
    assert status.last_rejected.errors[0].message.startswith("YAML:")


async def test_reloads_during_a_stream_of_calls_fail_none(
    admin: admin_pb2_grpc.AdminServiceStub, live: tuple[ArchitectServer, Path]
) -> None:
    stop = asyncio.Event()
    calls = failures = 0
    seen: set[str] = set()

    async def client() -> None:
        nonlocal calls, failures
        while not stop.is_set():
            try:
                status = await admin.GetConfigStatus(admin_pb2.GetConfigStatusRequest())
                config = await admin.GetEffectiveConfig(admin_pb2.GetEffectiveConfigRequest())
                seen.add(status.active.version)
                assert config.version
                calls += 2
            except grpc.aio.AioRpcError:
                failures += 1

    clients = [asyncio.create_task(client()) for _ in range(4)]
    try:
        for i in range(20):
            set_shell_target(live[1], 6 + i)
            resp = await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())
            assert resp.version
    finally:
        stop.set()
        await asyncio.gather(*clients)
    assert failures == 0
    assert calls > 20
    assert len(seen) > 1
    assert await shell_target(admin) == 25


def test_sighup_reloads_a_running_server(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ARCHITECT_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "architect",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config-dir",
            str(tree),
            "--env",
            "development",
            "--grace",
            "1",
            "--no-watch-config",
        ],  # so that only SIGHUP can apply the change
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    try:
        port = 0
        for line in proc.stderr:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        assert port, "server did not start"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = admin_pb2_grpc.AdminServiceStub(ch)
            before = stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest(), timeout=5)
            edit(tree, SLA, "    target_minutes: 5\n", "    target_minutes: 8\n")
            proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + DEADLINE
            while True:
                status = stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest(), timeout=5)
                if status.active.version != before.active.version:
                    break
                assert time.monotonic() < deadline, "SIGHUP did not reload"
                time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=10)[1]
        assert proc.returncode == 0
        assert "SIGHUP" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
