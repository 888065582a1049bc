"""The Architect gRPC server: assembly and lifecycle.

``ArchitectServer`` wires the five architect.v1 services, the standard health
service and server reflection into one ``grpc.aio`` server. Its lifecycle:

1. ``start()`` binds the listen address (port 0 picks a free port, which tests
   use), starts serving and only then marks every service SERVING;
2. ``stop(grace)`` marks every service NOT_SERVING (so load balancers and
   health-checking clients move away), stops accepting new calls, lets calls
   in flight finish for at most ``grace`` seconds, then cancels the rest.

``run()`` is what ``architect serve`` calls: it installs SIGTERM/SIGINT
handlers that trigger the graceful stop and returns once the server is down.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from architect import __version__, _native
from architect.gateway import Gateway, GatewayOptions
from architect.server.registry import SERVICES, generic_handler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerOptions:
    """How one server process runs. Built by the CLI from flags and environment."""

    #: ``HOST:PORT`` to listen on; port 0 picks a free port.
    listen: str = "127.0.0.1:50051"
    #: Root of the config tree (``base/``, ``environments/<env>/``, ``local/``).
    config_dir: Path = field(default_factory=Path)
    #: Environment overlay to apply over ``base/`` (``environments/<env>``).
    env: str = "development"
    #: Database URL: ``sqlite:///path`` or ``postgresql://...``.
    database_url: str = ""
    #: Seconds that calls in flight may take to finish after a stop is requested.
    grace_period: float = 10.0
    #: Auth, TLS, metrics and tracing choices of the gateway layer (architect.gateway).
    gateway: GatewayOptions = field(default_factory=GatewayOptions)


class ArchitectServer:
    """One running Architect server (see the module docstring for its lifecycle)."""

    def __init__(self, options: ServerOptions, implementations: dict[str, object] | None = None):
        self.options = options
        self._impls = implementations or {}
        self._server: grpc.aio.Server | None = None
        self._health = health_aio.HealthServicer()
        self.port: int = 0
        #: The gateway in front of the services; set by start(). Raises GatewayConfigError
        #: there when the server may not start as configured (e.g. no auth off loopback).
        self.gateway: Gateway | None = None

    async def start(self) -> int:
        """Bind, start serving and turn SERVING; return the bound port."""
        gateway = Gateway.build(
            self.options.gateway,
            listen=self.options.listen,
            config_dir=self.options.config_dir,
            env=self.options.env,
        )
        server = grpc.aio.server(interceptors=gateway.interceptors, options=gateway.grpc_options)
        server.add_generic_rpc_handlers(
            [generic_handler(desc, self._impls.get(name)) for name, desc in SERVICES.items()]
        )
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection(
            [*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME], server
        )
        self.port = gateway.bind(server, self.options.listen)
        if self.port == 0:
            raise OSError(f"could not bind {self.options.listen}")
        await server.start()
        self._server = server
        self.gateway = gateway
        gateway.start()
        for name in ["", *SERVICES]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        host = self.options.listen.rsplit(":", 1)[0]
        log.info(
            "architect %s listening on %s:%d (matcher: %s)",
            __version__,
            host,
            self.port,
            "native" if _native.NATIVE else "pure Python",
        )
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Turn NOT_SERVING, refuse new calls, drain calls in flight for ``grace`` seconds."""
        if self._server is None:
            return
        grace = self.options.grace_period if grace is None else grace
        await self._health.enter_graceful_shutdown()
        log.info("shutting down: NOT_SERVING, draining calls in flight for up to %.1fs", grace)
        await self._server.stop(grace)
        self._server = None
        if self.gateway is not None:
            self.gateway.close()
        log.info("server stopped")

    async def wait_for_termination(self) -> None:
        """Return when the server has stopped."""
        if self._server is not None:
            await self._server.wait_for_termination()


async def run(options: ServerOptions) -> None:
    """Run a server until SIGTERM or SIGINT, then stop it gracefully."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()

    def request_stop(signame: str) -> None:
        if not stop_requested.is_set():
            log.info("received %s", signame)
            stop_requested.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, sig.name)

    server = ArchitectServer(options)
    log.info("config: %s (env %s)", options.config_dir, options.env)
    log.info("database: %s", options.database_url)
    await server.start()
    try:
        await stop_requested.wait()
    finally:
        await server.stop()
