"""Builds the gateway of one server: interceptor, gRPC options, credentials, metrics endpoint.

The server calls :meth:`Gateway.build` before it creates its ``grpc.aio.Server`` and
:meth:`Gateway.bind` to open its port; the rest of the gateway is internal to this package.

Secure defaults (decided here, at start-up):

* with API tokens configured, every call except the public services needs one;
* without tokens, the server runs with auth off only on a loopback address (a first try on
  one's own machine) and says so in a WARNING; on any other address it refuses to start unless
  the operator passes ``--insecure``.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from architect.gateway import tracing
from architect.gateway.auth import Authenticator
from architect.gateway.interceptor import GatewayInterceptor
from architect.gateway.metrics import Metrics
from architect.gateway.ratelimit import RateLimiter
from architect.gateway.settings import GatewayConfigError, GatewaySettings
from architect.gateway.tls import server_credentials

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayOptions:
    """Start-up choices from the command line (the rest is in ``gateway.yaml``)."""

    #: Allow auth off on a non-loopback address (no tokens configured).
    insecure: bool = False
    #: PEM certificate chain and private key; TLS when both are given.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: PEM CA bundle that client certificates must chain to; mutual TLS when given.
    tls_client_ca: Path | None = None
    #: ``HOST:PORT`` for the Prometheus ``/metrics`` endpoint; ``None`` serves none.
    metrics_listen: str | None = None
    #: Record OpenTelemetry spans (needs the ``tracing`` extra).
    otel: bool = False
    #: Settings to use instead of reading ``gateway.yaml`` (tests, embedding).
    settings: GatewaySettings | None = None


def split_host_port(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` too) → (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise GatewayConfigError(f"{address!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def is_loopback(address: str) -> bool:
    """Whether ``HOST:PORT`` listens on a loopback interface only."""
    host, _ = split_host_port(address)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: may resolve anywhere
        return False


def grpc_server_options(settings: GatewaySettings) -> list[tuple[str, Any]]:
    """Channel arguments for the server: message sizes and keepalive (fixed at start)."""
    limits, ka = settings.limits, settings.keepalive
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", limits.max_message_bytes),
        ("grpc.max_send_message_length", limits.max_message_bytes),
        # The server pings idle connections and drops those that stop answering, so a worker
        # that vanished (power loss, network partition) frees its stream and its lease.
        ("grpc.keepalive_time_ms", int(ka.time_seconds * 1000)),
        ("grpc.keepalive_timeout_ms", int(ka.timeout_seconds * 1000)),
        # Clients may ping too (also between calls), but not more often than this.
        ("grpc.keepalive_permit_without_calls", 1),
        (
            "grpc.http2.min_ping_interval_without_data_ms",
            int(ka.min_client_ping_interval_seconds * 1000),
        ),
    ]
    if ka.max_connection_idle_seconds > 0:
        options.append(("grpc.max_connection_idle_ms", int(ka.max_connection_idle_seconds * 1000)))
    return options


class Gateway:
    """The gateway of one server; :meth:`update` applies new settings to later calls."""

    def __init__(self, options: GatewayOptions, settings: GatewaySettings, *, enforce_auth: bool):
        self.options = options
        self.settings = settings
        self.metrics = Metrics()
        self.auth = Authenticator(settings, enforce=enforce_auth)
        self.limiter = RateLimiter(settings)
        self.interceptor = GatewayInterceptor(
            self.auth, self.limiter, self.metrics, settings.limits.unary_timeout_seconds
        )
        self.credentials = server_credentials(
            options.tls_cert, options.tls_key, options.tls_client_ca
        )
        self.metrics_port: int | None = None

    @classmethod
    def build(cls, options: GatewayOptions, *, settings: GatewaySettings, listen: str) -> Gateway:
        """Apply the secure-default rules to ``settings`` (the active config's ``gateway.yaml``,
        unless ``options.settings`` overrides it); ``GatewayConfigError`` if the server may not
        start as configured."""
        settings = options.settings or settings
        loopback = is_loopback(listen)
        tls = options.tls_cert is not None
        if settings.auth.tokens:
            enforce = True
            if not loopback and not tls:
                log.warning(
                    "API tokens will cross the network in clear text on %s: "
                    "use --tls-cert and --tls-key",
                    listen,
                )
        elif loopback:
            enforce = False
            log.warning(
                "authentication is OFF: no API tokens in gateway.yaml. Acceptable for a first "
                "try on loopback (%s) only; create one with `architect token create NAME "
                "--role admin`",
                listen,
            )
        elif options.insecure:
            enforce = False
            log.warning(
                "--insecure: authentication is OFF on %s; anyone who can reach it may call "
                "every RPC",
                listen,
            )
        else:
            raise GatewayConfigError(
                f"refusing to listen on {listen} without authentication: no API tokens are "
                "configured in gateway.yaml. Create one with `architect token create NAME "
                "--role ROLE` and add the printed entry to config/local/gateway.yaml, listen on "
                "127.0.0.1, or pass --insecure to run without authentication anyway"
            )
        if options.otel:
            tracing.enable()
        gateway = cls(options, settings, enforce_auth=enforce)
        log.info(
            "gateway: auth %s (%d tokens), rate limits %s, TLS %s",
            "on" if enforce else "OFF",
            len(settings.auth.tokens),
            "on" if gateway.limiter.enabled else "off",
            "mutual" if options.tls_client_ca else ("on" if tls else "off"),
        )
        return gateway

    @property
    def interceptors(self) -> list[grpc.aio.ServerInterceptor]:
        """Interceptors for ``grpc.aio.server``."""
        return [self.interceptor]

    @property
    def grpc_options(self) -> list[tuple[str, Any]]:
        """Options for ``grpc.aio.server``."""
        return grpc_server_options(self.settings)

    def bind(self, server: grpc.aio.Server, listen: str) -> int:
        """Open the listening port, with TLS when configured; return the bound port."""
        if self.credentials is not None:
            return server.add_secure_port(listen, self.credentials)
        return server.add_insecure_port(listen)

    def start(self) -> None:
        """Start the metrics endpoint, when one is asked for."""
        if self.options.metrics_listen is None:
            return
        host, port = split_host_port(self.options.metrics_listen)
        if not is_loopback(self.options.metrics_listen):
            log.warning("metrics are served beyond loopback, on %s, without authentication", host)
        self.metrics_port = self.metrics.serve(host, port)

    def update(self, settings: GatewaySettings) -> None:
        """Apply reloaded settings to the calls that start from now on.

        Tokens, roles, rate limits and the unary deadline take effect at once; message sizes
        and keepalive are gRPC server options and take effect at the next start.
        """
        self.auth.update(settings)
        self.limiter.update(settings)
        self.interceptor.cap.seconds = settings.limits.unary_timeout_seconds
        if settings.limits != self.settings.limits or settings.keepalive != self.settings.keepalive:
            log.warning("gateway limits and keepalive changes apply at the next restart")
        self.settings = settings

    def close(self) -> None:
        """Stop the metrics endpoint and the deadline sweeper."""
        self.metrics.close()
        self.interceptor.cap.close()
