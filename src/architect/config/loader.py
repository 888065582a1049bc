"""Loading a config tree: discover the layer files, read, merge, validate, version.

    base/*.yaml  →  environments/<env>/*.yaml  →  local/*.yaml

Each layer may hold any of the files in ``FILES``; ``base/`` must hold all of them.
Every problem found on the way is collected and raised together as one
``ConfigInvalid``; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from architect.config.checks import check_all
from architect.config.errors import ConfigError, ConfigInvalid
from architect.config.gateway import GatewaySettings
from architect.config.merge import MergeState, format_path
from architect.config.model import FILES, LoadedConfig
from architect.config.queries import QueryCatalog
from architect.config.routing import RoutingRules
from architect.config.sla import SlaRules
from architect.config.validate import validate_section
from architect.config.workflows import WorkflowCatalog
from architect.config.yamlsource import read_layer
from architect.errors import InvalidArgument

_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_FILE_NAMES = {spec.name for spec in FILES}
#: Largest total size of ValidateConfig overrides.
MAX_OVERRIDE_BYTES = 4 * 1024 * 1024


def layer_dirs(env: str) -> tuple[str, str, str]:
    """The three layer directories, relative to the config dir, in merge order."""
    return ("base", f"environments/{env}", "local")


def environments(config_dir: Path) -> list[str]:
    """Environments the tree defines (subdirectories of ``environments/``)."""
    root = config_dir / "environments"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def check_overrides(env: str, overrides: Mapping[str, str]) -> None:
    """Reject override paths that are not a layer file of ``env`` (InvalidArgument)."""
    total = sum(len(v.encode()) for v in overrides.values())
    if total > MAX_OVERRIDE_BYTES:
        raise InvalidArgument(f"file overrides total {total} bytes; the limit is 4 MiB")
    layers = layer_dirs(env)
    for raw in overrides:
        path = PurePosixPath(raw)
        if path.is_absolute() or ".." in path.parts or str(path.parent) not in layers:
            raise InvalidArgument(
                f"override path {raw!r} is not a config file of environment {env!r}; expected "
                f"<dir>/<file> with <dir> one of {', '.join(layers)}"
            )
        if path.name not in _FILE_NAMES:
            raise InvalidArgument(
                f"override path {raw!r} names an unknown file; expected one of "
                f"{', '.join(sorted(_FILE_NAMES))}"
            )


def _discover(
    config_dir: Path, env: str, overrides: Mapping[str, str], errors: list[ConfigError]
) -> list[tuple[str, str]]:
    """(relative path, text) of every layer file, in merge order."""
    if not _ENV_NAME.match(env):
        raise InvalidArgument(f"environment name {env!r} must match {_ENV_NAME.pattern}")
    if not (config_dir / "base").is_dir():
        errors.append(ConfigError("base", 0, "", f"no base/ directory in {config_dir}"))
        return []
    if not (config_dir / "environments" / env).is_dir():
        known = ", ".join(environments(config_dir)) or "none"
        errors.append(
            ConfigError(
                f"environments/{env}", 0, "", f"unknown environment {env!r} (known: {known})"
            )
        )
    found: list[tuple[str, str]] = []
    for layer in layer_dirs(env):
        directory = config_dir / layer
        names = {p.name for p in directory.glob("*.y*ml")} if directory.is_dir() else set()
        names |= {PurePosixPath(k).name for k in overrides if str(PurePosixPath(k).parent) == layer}
        for name in sorted(names - _FILE_NAMES):
            errors.append(
                ConfigError(
                    f"{layer}/{name}",
                    0,
                    "",
                    "unknown config file; expected "
                    f"one of {', '.join(spec.name for spec in FILES)}",
                )
            )
        for spec in FILES:
            rel = f"{layer}/{spec.name}"
            if rel in overrides:
                text: str | None = overrides[rel] or None
            elif spec.name in names:
                text = _read(directory / spec.name, rel, errors)
            else:
                text = None
            if text is not None:
                found.append((rel, text))
            elif layer == "base":
                errors.append(ConfigError(rel, 0, "", "missing; base/ must hold every file"))
    return found


def _read(path: Path, rel: str, errors: list[ConfigError]) -> str | None:
    """The file's text; a file that vanished or is not UTF-8 is reported, not raised."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        # Removed between listing and reading (an editor's save-by-rename): treat as absent.
        return None
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ConfigError(rel, 0, "", f"cannot read the file: {exc}"))
        return None


def version_of(data: Mapping[str, Any]) -> str:
    """Content hash of normalised config data: equal content, equal version."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def load_config(
    config_dir: Path,
    env: str,
    overrides: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> LoadedConfig:
    """Load and validate the tree at ``config_dir`` for ``env``.

    ``overrides`` replace file contents (path relative to ``config_dir`` → text; empty
    text means the file is absent), for validating an edit before writing it.
    Raises ``ConfigInvalid`` with every problem found; ``InvalidArgument`` for a bad
    environment name or override path.
    """
    config_dir = config_dir.resolve()
    overrides = overrides or {}
    check_overrides(env, overrides)
    errors: list[ConfigError] = []
    state = MergeState()
    files = []
    for rel, text in _discover(config_dir, env, overrides, errors):
        layer = read_layer(text, rel, PurePosixPath(rel).stem, errors)
        if layer is not None:
            state.apply(layer)
            files.append(rel)
    errors.extend(state.errors)
    sections: dict[str, Any] = {}
    for spec in FILES:
        model, section_errors = validate_section(spec, state.data.get(spec.key, {}), state.origins)
        sections[spec.attribute] = model
        errors.extend(section_errors)
    raw_types = state.data.get("routing_rules", {}).get("task_types")
    task_types = set(raw_types) if isinstance(raw_types, dict) else None
    errors.extend(
        check_all(
            state.origins,
            task_types,
            sections["routing"],
            sections["sla"],
            sections["queries"],
            sections["workflows"],
        )
    )
    if errors:
        raise ConfigInvalid(errors)
    routing: RoutingRules = sections["routing"]
    sla: SlaRules = sections["sla"]
    queries: QueryCatalog = sections["queries"]
    workflows: WorkflowCatalog = sections["workflows"]
    gateway: GatewaySettings = sections["gateway"]
    normalised = {spec.key: sections[spec.attribute].model_dump(mode="json") for spec in FILES}
    return LoadedConfig(
        version=version_of(normalised),
        env=env,
        config_dir=config_dir,
        files=tuple(files),
        loaded_at=now or datetime.now(UTC),
        origins=MappingProxyType({format_path(p): o for p, o in state.origins.items()}),
        routing=routing,
        sla=sla,
        queries=queries,
        workflows=workflows,
        gateway=gateway,
    )
