"""The loaded configuration: five typed sections, a version, and where each value came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from architect.config.gateway import GatewaySettings
from architect.config.queries import QueryCatalog
from architect.config.routing import RoutingRules
from architect.config.sla import SlaRules
from architect.config.types import FrozenModel
from architect.config.workflows import WorkflowCatalog


@dataclass(frozen=True)
class ConfigFileSpec:
    """One file of the config tree and the model its merged content must satisfy."""

    #: File name in every layer directory, e.g. ``routing_rules.yaml``.
    name: str
    #: Attribute of ``LoadedConfig`` holding the typed section.
    attribute: str
    #: Top-level model of the file.
    model: type[FrozenModel]

    @property
    def key(self) -> str:
        """Root of this file's key paths (the file name without ``.yaml``)."""
        return self.name.removesuffix(".yaml")


#: The files of a config tree, in the order they are validated and shown.
FILES: tuple[ConfigFileSpec, ...] = (
    ConfigFileSpec("routing_rules.yaml", "routing", RoutingRules),
    ConfigFileSpec("sla_rules.yaml", "sla", SlaRules),
    ConfigFileSpec("queries.yaml", "queries", QueryCatalog),
    ConfigFileSpec("workflows.yaml", "workflows", WorkflowCatalog),
    ConfigFileSpec("gateway.yaml", "gateway", GatewaySettings),
)
FILES_BY_KEY: dict[str, ConfigFileSpec] = {f.key: f for f in FILES}


class Origin(NamedTuple):
    """Where a value was written: a file relative to the config directory, and its line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class LoadedConfig:
    """One validated, immutable configuration. Services read ``ConfigManager.current`` once
    per call and use that object throughout, so a call finishes on the version it began with."""

    #: Content hash (sha256, 12 hex digits) of the merged, normalised configuration.
    version: str
    #: Environment overlay applied (``environments/<env>``).
    env: str
    #: Absolute config directory.
    config_dir: Path
    #: Files merged, relative to ``config_dir``, in merge order.
    files: tuple[str, ...]
    #: When it was loaded (UTC).
    loaded_at: datetime
    #: Dotted key path (``sla_rules.sla_targets.shell.target_minutes``) to where it was written.
    origins: Mapping[str, Origin]
    #: routing_rules.yaml
    routing: RoutingRules
    #: sla_rules.yaml
    sla: SlaRules
    #: queries.yaml
    queries: QueryCatalog
    #: workflows.yaml
    workflows: WorkflowCatalog
    #: gateway.yaml (tokens, roles, rate limits, limits, keepalive)
    gateway: GatewaySettings

    def section(self, key: str) -> FrozenModel:
        """The typed section for a file key such as ``sla_rules``."""
        model: FrozenModel = getattr(self, FILES_BY_KEY[key].attribute)
        return model

    def as_data(self, key: str | None = None) -> dict[str, Any]:
        """The effective configuration (defaults included) as JSON-ready data, keyed by file
        key; ``key`` limits it to one file."""
        keys = [key] if key is not None else [f.key for f in FILES]
        return {k: self.section(k).model_dump(mode="json") for k in keys}
