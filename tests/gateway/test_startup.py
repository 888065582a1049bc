"""Secure defaults at start-up, the settings loader and the token commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from architect.gateway import (
    GatewayConfigError,
    GatewaySettings,
    is_loopback,
    load_gateway_settings,
)
from architect.gateway.tokens import PREFIX, hash_token, token_matches
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import ServerFactory, bearer

ARCHITECT = [sys.executable, "-m", "architect"]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.0.0.9:1", True),
        ("localhost:1", True),
        ("[::1]:1", True),
        ("0.0.0.0:50051", False),
        ("[::]:1", False),
        ("10.1.2.3:1", False),
        ("example.com:1", False),
    ],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


async def test_public_address_without_tokens_is_refused(
    start_server: ServerFactory, make_settings: Callable[..., GatewaySettings]
) -> None:
    with pytest.raises(GatewayConfigError, match=r"refusing to listen on 0\.0\.0\.0:0"):
        async with start_server(make_settings(with_tokens=False), listen="0.0.0.0:0"):
            pass


async def test_public_address_starts_with_tokens_or_insecure(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    async with start_server(make_settings(), listen="0.0.0.0:0") as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        await stub.GetServerInfo(
            admin_pb2.GetServerInfoRequest(), metadata=bearer(tokens["reader"])
        )
    async with start_server(
        make_settings(with_tokens=False), listen="0.0.0.0:0", insecure=True
    ) as srv:
        ch = srv.channel
        await admin_pb2_grpc.AdminServiceStub(ch).GetServerInfo(admin_pb2.GetServerInfoRequest())


def test_cli_refuses_public_address_without_auth(tmp_path: Path) -> None:
    env = {**os.environ, "ARCHITECT_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [*ARCHITECT, "serve", "--listen", "0.0.0.0:0", "--config-dir", str(tmp_path / "cfg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "refusing to listen on 0.0.0.0:0 without authentication" in proc.stderr
    assert "--insecure" in proc.stderr


def test_token_create_prints_a_token_and_its_entry(tmp_path: Path) -> None:
    out = subprocess.run(
        [*ARCHITECT, "token", "create", "ci-bot", "--role", "reader"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    token = next(w for w in out.split() if w.startswith(PREFIX))
    entry = yaml.safe_load(out[out.index("auth:") :])
    (tok,) = entry["auth"]["tokens"]
    assert tok == {"name": "ci-bot", "role": "reader", "sha256": hash_token(token)}
    assert token_matches(token, tok["sha256"])
    # The printed entry, dropped into config/local/, is a valid configuration.
    base = Path(__file__).resolve().parents[2] / "config" / "base"
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "gateway.yaml").write_text((base / "gateway.yaml").read_text())
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "gateway.yaml").write_text(out[out.index("auth:") :])
    settings = load_gateway_settings(tmp_path, "development")
    assert [t.name for t in settings.auth.tokens] == ["ci-bot"]
    assert "reader" in settings.auth.roles  # merged with base, not replaced


def test_token_hash_reads_stdin() -> None:
    proc = subprocess.run(
        [*ARCHITECT, "token", "hash"],
        input="arch_abc\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == hash_token("arch_abc")


def test_settings_layers_merge_and_errors_name_the_key(tmp_path: Path) -> None:
    for layer, text in {
        "base": "limits: {max_message_bytes: 2048, unary_timeout_seconds: 5}\n",
        "environments/prod": "limits: {unary_timeout_seconds: 9}\n",
        "local": "rate_limits: {enabled: false}\n",
    }.items():
        (tmp_path / layer).mkdir(parents=True)
        (tmp_path / layer / "gateway.yaml").write_text(text)
    settings = load_gateway_settings(tmp_path, "prod")
    assert settings.limits.max_message_bytes == 2048
    assert settings.limits.unary_timeout_seconds == 9
    assert settings.rate_limits.enabled is False
    (tmp_path / "local" / "gateway.yaml").write_text(
        "auth: {tokens: [{name: x, role: ghost, sha256: " + "a" * 64 + "}], roles: {}}\n"
    )
    with pytest.raises(GatewayConfigError, match="unknown role 'ghost'"):
        load_gateway_settings(tmp_path, "prod")
    (tmp_path / "local" / "gateway.yaml").write_text("limits: {max_message_bytes: lots}\n")
    with pytest.raises(GatewayConfigError, match=r"limits\.max_message_bytes"):
        load_gateway_settings(tmp_path, "prod")
    (tmp_path / "local" / "gateway.yaml").write_text("limits: {nope: 1}\n")
    with pytest.raises(GatewayConfigError, match=r"limits\.nope"):
        load_gateway_settings(tmp_path, "prod")
