"""TLS and mutual TLS over real gRPC, with certificates made at test time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from architect.gateway import GatewayConfigError, GatewaySettings
from tests.gateway.certs import CertificateAuthority, Issued
from tests.gateway.conftest import ServerFactory

pytest.importorskip("cryptography", reason="the dev extra installs cryptography for TLS tests")


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, object]:
    good, other = (
        CertificateAuthority(tmp_path, "good-ca"),
        CertificateAuthority(tmp_path, "other-ca"),
    )
    return {
        "ca": good,
        "other_ca": other,
        "server": good.issue("server", server=True),
        "client": good.issue("client", server=False),
        "stranger": other.issue("stranger", server=False),
    }


def _credentials(root: Path, client: Issued | None) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=root.read_bytes(),
        private_key=client.key.read_bytes() if client else None,
        certificate_chain=client.cert.read_bytes() if client else None,
    )


async def _health(port: int, root: Path, client: Issued | None = None) -> grpc.StatusCode:
    creds = _credentials(root, client)
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", creds) as ch:
        try:
            resp = await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
    return grpc.StatusCode.OK


async def test_tls_connects_with_the_right_ca_only(
    start_server: ServerFactory, make_settings: Callable[..., GatewaySettings], pki: dict
) -> None:
    server: Issued = pki["server"]
    async with start_server(make_settings(), tls_cert=server.cert, tls_key=server.key) as srv:
        assert await _health(srv.port, pki["ca"].path) == grpc.StatusCode.OK
        assert await _health(srv.port, pki["other_ca"].path) == grpc.StatusCode.UNAVAILABLE
        # Plaintext clients cannot talk to a TLS port.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{srv.port}") as ch:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await health_pb2_grpc.HealthStub(ch).Check(
                    health_pb2.HealthCheckRequest(), timeout=5
                )
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_needs_a_client_certificate_from_the_ca(
    start_server: ServerFactory, make_settings: Callable[..., GatewaySettings], pki: dict
) -> None:
    server: Issued = pki["server"]
    ca = pki["ca"].path
    async with start_server(
        make_settings(), tls_cert=server.cert, tls_key=server.key, tls_client_ca=ca
    ) as srv:
        assert await _health(srv.port, ca, pki["client"]) == grpc.StatusCode.OK
        assert await _health(srv.port, ca) == grpc.StatusCode.UNAVAILABLE
        assert await _health(srv.port, ca, pki["stranger"]) == grpc.StatusCode.UNAVAILABLE


async def test_tls_flags_are_checked(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    pki: dict,
    tmp_path: Path,
) -> None:
    server: Issued = pki["server"]
    with pytest.raises(GatewayConfigError, match="both --tls-cert and --tls-key"):
        async with start_server(make_settings(), tls_cert=server.cert):
            pass
    with pytest.raises(GatewayConfigError, match="cannot read"):
        async with start_server(
            make_settings(), tls_cert=tmp_path / "nope.crt", tls_key=server.key
        ):
            pass
    with pytest.raises(GatewayConfigError, match="needs --tls-cert"):
        async with start_server(make_settings(), tls_client_ca=pki["ca"].path):
            pass
