"""Secure defaults at start-up, the settings loader and the token commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from architect import paths
from architect.config import ConfigInvalid, load_config
from architect.gateway import GatewayConfigError, GatewaySettings, is_loopback
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
        # The shipped config has no tokens: auth is not configured.
        [*ARCHITECT, "serve", "--listen", "0.0.0.0:0", "--no-watch-config"],
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
    tree = _config_copy(tmp_path / "config")
    (tree / "local" / "gateway.yaml").write_text(out[out.index("auth:") :])
    settings = load_config(tree, "development").gateway
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


def _config_copy(dest: Path) -> Path:
    """A copy of the shipped config tree (base and environments), with an empty local/."""
    shutil.copytree(paths.default_config_dir(), dest, ignore=shutil.ignore_patterns("local"))
    (dest / "local").mkdir()
    return dest


def test_settings_layers_merge_and_errors_name_the_key(tmp_path: Path) -> None:
    tree = _config_copy(tmp_path / "config")
    (tree / "environments" / "staging" / "gateway.yaml").write_text(
        "limits: {unary_timeout_seconds: 9}\n"
    )
    (tree / "local" / "gateway.yaml").write_text("rate_limits: {enabled: false}\n")
    base = load_config(paths.default_config_dir(), "staging").gateway
    settings = load_config(tree, "staging").gateway
    assert settings.limits.max_message_bytes == base.limits.max_message_bytes  # from base
    assert settings.limits.unary_timeout_seconds == 9  # environment layer
    assert settings.rate_limits.enabled is False  # local layer
    for text, needle in [
        ("auth: {tokens: [{name: x, role: ghost, sha256: " + "a" * 64 + "}]}\n", "ghost"),
        ("limits: {max_message_bytes: lots}\n", "gateway.limits.max_message_bytes"),
        ("limits: {nope: 1}\n", "gateway.limits.nope"),
    ]:
        (tree / "local" / "gateway.yaml").write_text(text)
        with pytest.raises(ConfigInvalid) as err:
            load_config(tree, "staging")
        (error,) = err.value.errors
        assert error.file == "local/gateway.yaml" and error.line == 1, error
        assert needle in str(error)
