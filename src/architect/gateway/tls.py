"""TLS and mutual TLS server credentials from PEM files."""

from __future__ import annotations

from pathlib import Path

import grpc

from architect.gateway.settings import GatewayConfigError


def _read(flag: str, path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GatewayConfigError(f"{flag} {path}: cannot read: {exc.strerror}") from exc
    if b"-----BEGIN " not in data:
        raise GatewayConfigError(f"{flag} {path}: not a PEM file")
    return data


def server_credentials(
    cert: Path | None, key: Path | None, client_ca: Path | None
) -> grpc.ServerCredentials | None:
    """Credentials for ``add_secure_port``, or ``None`` for plaintext.

    With ``client_ca`` the server requires every client to present a certificate signed by
    it (mutual TLS); without it, any client may connect over TLS.
    """
    if cert is None and key is None:
        if client_ca is not None:
            raise GatewayConfigError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    if cert is None or key is None:
        raise GatewayConfigError("TLS needs both --tls-cert and --tls-key")
    root = _read("--tls-client-ca", client_ca) if client_ca is not None else None
    return grpc.ssl_server_credentials(
        [(_read("--tls-key", key), _read("--tls-cert", cert))],
        root_certificates=root,
        require_client_auth=root is not None,
    )
