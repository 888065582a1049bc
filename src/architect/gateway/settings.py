"""The gateway's settings model lives with the other config files' models
(``architect.config.gateway``); this module re-exports it for the gateway's own modules."""

from architect.config.gateway import (
    GatewayConfigError,
    GatewaySettings,
    RateLimitGroup,
    deep_merge,
    parse_settings,
)

__all__ = [
    "GatewayConfigError",
    "GatewaySettings",
    "RateLimitGroup",
    "deep_merge",
    "parse_settings",
]
