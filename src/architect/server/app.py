"""The Architect gRPC server: assembly and lifecycle.

``ArchitectServer`` wires the five architect.v1 services, the standard health
service and server reflection into one ``grpc.aio`` server. Its lifecycle:

1. ``start()`` opens the store (applying pending migrations), binds the
   listen address (port 0 picks a free port, which tests use), starts serving
   and only then marks every service SERVING;
2. ``stop(grace)`` marks every service NOT_SERVING (so load balancers and
   health-checking clients move away), stops accepting new calls, lets calls
   in flight finish for at most ``grace`` seconds, then cancels the rest, and
   closes the store last.

``run()`` is what ``architect serve`` calls: it installs SIGTERM/SIGINT
handlers that trigger the graceful stop, and a SIGHUP handler that reloads the
config, and returns once the server is down.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from architect import __version__, _native, errors
from architect.clock import Clock, SystemClock
from architect.config.manager import ConfigManager
from architect.gateway import Gateway, GatewayOptions
from architect.queries import QueryService
from architect.routing.engine import RoutingEngine
from architect.routing.from_config import build_policy
from architect.routing.service import RoutingServicer
from architect.server.admin import AdminService, ServerFacts
from architect.server.domain_metrics import DomainMetricsPublisher
from architect.server.registry import SERVICES, generic_handler
from architect.store import Store, open_store

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
    #: Apply pending database migrations at start (else refuse to start while any is pending).
    migrate_on_start: bool = True
    #: Reload the config when a file under ``config_dir`` changes (SIGHUP and the
    #: ReloadConfig RPC work either way).
    watch_config: bool = True
    #: Seconds between lease sweeps (expired leases, silent sessions, schedule timeouts).
    sweep_interval: float = 1.0
    #: Auth, TLS, metrics and tracing choices of the gateway layer (architect.gateway).
    gateway: GatewayOptions = field(default_factory=GatewayOptions)


class ArchitectServer:
    """One running Architect server (see the module docstring for its lifecycle)."""

    def __init__(
        self,
        options: ServerOptions,
        implementations: dict[str, object] | None = None,
        *,
        clock: Clock | None = None,
    ):
        self.options = options
        #: The one clock leases and deadlines come from (injected in tests).
        self.clock = clock or SystemClock()
        #: The routing engine, running between ``start()`` and ``stop()``.
        self.engine: RoutingEngine | None = None
        #: The gateway in front of the services; set by start(). Raises GatewayConfigError
        #: there when the server may not start as configured (e.g. no auth off loopback).
        self.gateway: Gateway | None = None
        self._metrics_publisher: DomainMetricsPublisher | None = None
        #: The query service, running between ``start()`` and ``stop()``.
        self.queries: QueryService | None = None
        self._impls = implementations or {}
        self._server: grpc.aio.Server | None = None
        self._health = health_aio.HealthServicer()
        self.port: int = 0
        #: The durable store, open between ``start()`` and ``stop()``.
        self.store: Store | None = None
        #: The active configuration; set by start().
        self.config: ConfigManager | None = None
        self._reloads: set[asyncio.Task[object]] = set()

    async def _open_store(self) -> Store:
        store = await open_store(self.options.database_url, clock=self.clock)
        try:
            if self.options.migrate_on_start:
                for m in await store.migrate():
                    log.info("applied database migration %04d_%s", m.version, m.name)
            else:
                pending = (await store.migration_status()).pending
                if pending:
                    raise errors.MigrationError(
                        f"{len(pending)} database migrations are pending; "
                        "run `architect db migrate` first"
                    )
        except BaseException:
            await store.close()
            raise
        return store

    async def start(self) -> int:
        """Load the config, open the store (migrating it), bind, start serving and turn
        SERVING; return the bound port.

        An invalid config raises ``ConfigInvalid`` (with every error) before anything opens
        or binds; the store comes before the port so a server never answers without it.
        """
        opts = self.options
        self.config = ConfigManager.load(opts.config_dir, opts.env)
        active = self.config.current
        log.info(
            "config %s loaded from %s (env %s, %d files)",
            active.version,
            active.config_dir,
            active.env,
            len(active.files),
        )
        # Before anything opens: the gateway refuses unsafe set-ups (no auth off loopback).
        self.gateway = Gateway.build(
            opts.gateway, settings=self.config.current.gateway, listen=opts.listen
        )
        self.store = await self._open_store()
        try:
            return await self._start_services()
        except BaseException:
            await self._close_components()
            raise

    async def _start_services(self) -> int:
        opts = self.options
        assert self.config is not None
        host = opts.listen.rsplit(":", 1)[0]
        facts = ServerFacts(opts.database_url, datetime.now(UTC), lambda: f"{host}:{self.port}")
        self._impls.setdefault("architect.v1.AdminService", AdminService(self.config, facts))
        assert self.store is not None
        engine = RoutingEngine(
            self.store,
            self.clock,
            build_policy(self.config.current),
            sweep_interval=opts.sweep_interval,
        )
        await engine.start()
        self.engine = engine
        self.config.on_change(lambda new, old: engine.set_policy(build_policy(new)))
        gateway = self.gateway
        assert gateway is not None
        self.config.on_change(lambda new, old: gateway.update(new.gateway))
        publisher = DomainMetricsPublisher(engine, gateway.metrics.domain)
        publisher.start()
        self._metrics_publisher = publisher
        self.config.on_change(lambda new, old: publisher.publish())
        self._impls.setdefault("architect.v1.RoutingService", RoutingServicer(engine))
        if "architect.v1.QueryService" not in self._impls:
            self.queries = QueryService(self.store, self.config)
            await self.queries.start()  # the declared indexes exist before the first call
            self._impls["architect.v1.QueryService"] = self.queries
            publisher.queries = self.queries
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
        if opts.watch_config:
            await self.config.start_watching()
        gateway.start()
        for name in ["", *SERVICES]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
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
        if self.engine is not None:
            # Session streams never end on their own: tell workers to reconnect elsewhere
            # now, so the grace period is spent on unary calls still in flight.
            self.engine.close_streams()
        await self._server.stop(grace)
        self._server = None
        # Only after the calls in flight have drained: they may still be writing.
        await self._close_components()
        log.info("server stopped")

    async def _close_components(self) -> None:
        """Stop what start() started, in reverse order; the store closes last."""
        if self._metrics_publisher is not None:
            await self._metrics_publisher.stop()
            self._metrics_publisher = None
        if self.queries is not None:
            self.queries.close()
            self.queries = None
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None
        if self.config is not None:
            await self.config.stop()
        if self.store is not None:
            await self.store.close()
            self.store = None
        if self.gateway is not None:
            self.gateway.close()

    def request_reload(self, reason: str) -> None:
        """Reload the config in the background (for SIGHUP); the outcome is logged."""
        if self.config is not None:
            task: asyncio.Task[object] = asyncio.ensure_future(self.config.reload(reason))
            self._reloads.add(task)
            task.add_done_callback(self._reloads.discard)

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
    loop.add_signal_handler(signal.SIGHUP, server.request_reload, "SIGHUP")
    try:
        await stop_requested.wait()
    finally:
        await server.stop()
