"""Gateway settings: the typed, frozen form of ``gateway.yaml``.

The file is one of the config tree's files (``architect.config.model.FILES``): layered,
validated with file and line, versioned and hot-reloaded like the rest; the running
server hands each new version to ``Gateway.update``.

Only hashes of tokens are stored here, never the tokens: see :mod:`architect.gateway.tokens`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from architect.config.types import FrozenModel

FILE_NAME = "gateway.yaml"

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class GatewayConfigError(ValueError):
    """The gateway settings are invalid, or the server may not start with them as they are."""


class _Frozen(FrozenModel):
    """Frozen, unknown keys rejected: the config package's base model."""


class TokenEntry(_Frozen):
    """One API token, known by the SHA-256 of its secret."""

    name: str = Field(description="who holds the token; shown in logs, never secret")
    role: str = Field(description="the role deciding which RPCs the token may call")
    sha256: str = Field(description="lower-case hex SHA-256 of the token (architect token hash)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be 1-64 letters, digits, '_', '.', '-', starting alphanumeric")
        return value

    @field_validator("sha256")
    @classmethod
    def _hash(cls, value: str) -> str:
        if not _SHA256_HEX.match(value):
            raise ValueError("must be 64 lower-case hex digits, as printed by `architect token`")
        return value


class RoleSettings(_Frozen):
    """What one role may call."""

    allow: tuple[str, ...] = Field(
        description="patterns 'package.Service/Method'; '*' matches any text, e.g. "
        "'architect.v1.QueryService/*' or 'architect.v1.RoutingService/Get*'"
    )


class AuthSettings(_Frozen):
    """Who may call what."""

    tokens: tuple[TokenEntry, ...] = Field(
        default=(), description="API tokens; with none, auth is off (allowed on loopback only)"
    )
    roles: Mapping[str, RoleSettings] = Field(
        default_factory=dict, description="role name -> the RPCs it may call"
    )
    public_services: tuple[str, ...] = Field(
        default=(
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
            "grpc.reflection.v1.ServerReflection",
        ),
        description="services callable without a token (probes and tooling), not rate limited",
    )

    @model_validator(mode="after")
    def _references(self) -> AuthSettings:
        for role in self.roles:
            if not _NAME.match(role):
                raise ValueError(f"roles: {role!r} is not a valid role name (letters, digits, _.-)")
        names: set[str] = set()
        hashes: set[str] = set()
        for i, token in enumerate(self.tokens):
            if token.role not in self.roles:
                known = ", ".join(sorted(self.roles)) or "none"
                raise ValueError(
                    f"tokens[{i}] ({token.name}): unknown role {token.role!r} (roles: {known})"
                )
            if token.name in names:
                raise ValueError(f"tokens[{i}]: the name {token.name!r} is used twice")
            if token.sha256 in hashes:
                raise ValueError(f"tokens[{i}] ({token.name}): the same token hash is listed twice")
            names.add(token.name)
            hashes.add(token.sha256)
        return self


class RateLimitGroup(_Frozen):
    """A token bucket applied per token to the methods the group matches."""

    name: str = Field(description="group name, used in metrics and messages")
    methods: tuple[str, ...] = Field(description="method patterns, as in roles")
    rate: float = Field(gt=0, description="tokens added per second (sustained calls per second)")
    burst: int = Field(ge=1, description="bucket size (calls allowed at once after idling)")


class RateLimitSettings(_Frozen):
    """Per-token rate limits. A method takes the first group whose patterns match it."""

    enabled: bool = Field(default=True, description="false turns every limit off")
    groups: tuple[RateLimitGroup, ...] = Field(default=(), description="groups, first match wins")

    @field_validator("groups")
    @classmethod
    def _unique(cls, groups: tuple[RateLimitGroup, ...]) -> tuple[RateLimitGroup, ...]:
        seen = [g.name for g in groups]
        dupes = sorted({n for n in seen if seen.count(n) > 1})
        if dupes:
            raise ValueError(f"group names must be unique; repeated: {', '.join(dupes)}")
        return groups


class LimitSettings(_Frozen):
    """Size and time limits. Message sizes and keepalive apply at start (gRPC server options)."""

    max_message_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="largest request or response message"
    )
    unary_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="server-side deadline for unary calls sent without one; streaming calls "
        "are exempt (worker session streams live for hours; keepalive and heartbeats police them)",
    )


class KeepaliveSettings(_Frozen):
    """HTTP/2 keepalive: how the server finds peers that vanished without closing."""

    time_seconds: float = Field(default=30.0, gt=0, description="ping an idle connection after")
    timeout_seconds: float = Field(default=10.0, gt=0, description="drop it if no ack within")
    min_client_ping_interval_seconds: float = Field(
        default=10.0, gt=0, description="clients pinging more often than this are refused"
    )
    max_connection_idle_seconds: float = Field(
        default=0.0, ge=0, description="close connections idle this long; 0 keeps them"
    )


class GatewaySettings(_Frozen):
    """Everything in ``gateway.yaml``."""

    auth: AuthSettings = Field(default_factory=AuthSettings, description="tokens and roles")
    rate_limits: RateLimitSettings = Field(
        default_factory=RateLimitSettings, description="per-token token buckets"
    )
    limits: LimitSettings = Field(default_factory=LimitSettings, description="sizes and times")
    keepalive: KeepaliveSettings = Field(
        default_factory=KeepaliveSettings, description="dead-peer detection"
    )


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: maps merge key by key, anything else is replaced (for
    building settings programmatically, as tests and benchmarks do)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_settings(data: Mapping[str, Any], source: str = "gateway settings") -> GatewaySettings:
    """Validate merged data; errors name each key path and what was expected."""
    try:
        return GatewaySettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise GatewayConfigError(f"{source}: {problems}") from exc
