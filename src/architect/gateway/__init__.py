"""The gateway layer in front of every service: auth, rate limits, limits, metrics, tracing.

The server builds one :class:`Gateway` per start (see ``architect.server.app``); settings come
from ``gateway.yaml`` (:mod:`architect.gateway.settings`) and can be swapped at run time with
:meth:`Gateway.update`. Services record domain metrics through ``gateway.metrics.domain``.
"""

from architect.gateway.assembly import Gateway, GatewayOptions, is_loopback
from architect.gateway.auth import ANONYMOUS, Authenticator, Principal
from architect.gateway.interceptor import REQUEST_ID_KEY, RETRY_AFTER_KEY, GatewayInterceptor
from architect.gateway.metrics import DomainMetrics, Metrics
from architect.gateway.ratelimit import RateLimiter
from architect.gateway.settings import (
    GatewayConfigError,
    GatewaySettings,
    parse_settings,
)

__all__ = [
    "ANONYMOUS",
    "REQUEST_ID_KEY",
    "RETRY_AFTER_KEY",
    "Authenticator",
    "DomainMetrics",
    "Gateway",
    "GatewayConfigError",
    "GatewayInterceptor",
    "GatewayOptions",
    "GatewaySettings",
    "Metrics",
    "Principal",
    "RateLimiter",
    "is_loopback",
    "parse_settings",
]
