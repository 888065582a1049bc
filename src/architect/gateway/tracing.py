"""Optional OpenTelemetry tracing: a span per RPC and per database call.

OpenTelemetry is an extra (``pip install 'architect[tracing]'``); without it, or without
``--otel``, every helper here is a no-op that costs one ``None`` check per call.

Tracing is process-wide by nature (OpenTelemetry keeps one global tracer provider), so the
tracer lives in this module: :func:`enable` sets it once, :func:`span` is what the store wraps
its database calls in, and the gateway opens the RPC spans. If the embedding application (or
``opentelemetry-instrument``) already installed a tracer provider, it is used as it is;
otherwise an SDK provider is installed that exports over OTLP when the OTLP exporter package is
present (it reads the standard ``OTEL_EXPORTER_OTLP_*`` variables itself).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from architect.gateway.settings import GatewayConfigError

log = logging.getLogger(__name__)

_tracer: Any = None


def enabled() -> bool:
    """Whether spans are being recorded."""
    return _tracer is not None


def enable(service_name: str = "architect") -> None:
    """Turn tracing on for this process; fails clearly when the extra is not installed."""
    global _tracer
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise GatewayConfigError(
            "--otel needs OpenTelemetry: pip install 'architect[tracing]'"
        ) from exc
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _install_sdk_provider(service_name)
    _tracer = trace.get_tracer("architect")


def _install_sdk_provider(service_name: str) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError:
        log.warning(
            "tracing on, but no exporter: install opentelemetry-exporter-otlp-proto-grpc "
            "to send spans over OTLP"
        )
    else:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def disable() -> None:
    """Stop recording spans (tests)."""
    global _tracer
    _tracer = None


def rpc_span(path: str, request_id: str) -> Any:
    """A started server span for one RPC, or ``None`` when tracing is off."""
    if _tracer is None:
        return None
    from opentelemetry.trace import SpanKind

    service, _, method = path.lstrip("/").partition("/")
    return _tracer.start_as_current_span(
        path.lstrip("/"),
        kind=SpanKind.SERVER,
        attributes={
            "rpc.system": "grpc",
            "rpc.service": service,
            "rpc.method": method,
            "architect.request_id": request_id,
        },
    )


@contextlib.contextmanager
def span(name: str, **attributes: Any) -> Iterator[None]:
    """A span around a block (a database call, say); a no-op when tracing is off."""
    if _tracer is None:
        yield
        return
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield
