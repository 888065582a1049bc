"""JSON Schemas for the config files, generated from the models.

Two schemas per file, both committed under ``config/schema/`` (a test checks that
regenerating them changes nothing):

* ``<file>.schema.json`` for ``base/``: the complete file, required keys included;
* ``overlay/<file>.schema.json`` for ``environments/<env>/`` and ``local/``: an
  overlay names only what it changes, so nothing is required and any value may be
  null (which is what ``!delete`` reads as in an editor that does not know the tag).

Editors find them through the first line of each YAML file,
``# yaml-language-server: $schema=...``, and then validate and complete keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from architect.config.model import FILES, ConfigFileSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(spec: ConfigFileSpec, overlay: bool = False) -> dict[str, Any]:
    """The JSON Schema of ``spec``'s file, for base or for overlay files."""
    body = _closed_maps(spec.model.model_json_schema(mode="validation"))
    if overlay:
        body = _relax(body)
    kind = "an overlay (environments/<env>/ or local/)" if overlay else "base/"
    return {
        "$schema": DRAFT,
        "title": f"Architect {spec.name}",
        "description": f"{spec.name} in {kind}. Generated from the models in "
        "architect.config by `architect config schema`; do not edit.",
        **{k: v for k, v in body.items() if k not in ("title", "description")},
    }


def _closed_maps(node: Any) -> Any:
    """Maps whose keys have a pattern (task type names, ...) admit no other keys, as in the
    models; pydantic's schema leaves ``additionalProperties`` open there."""
    if isinstance(node, list):
        return [_closed_maps(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed_maps(value) for key, value in node.items()}
    if "patternProperties" in out:
        out.setdefault("additionalProperties", False)
    return out


def _relax(node: Any) -> Any:
    """Drop required keys and size minimums, allow null everywhere, and turn discriminated
    ``oneOf`` into ``anyOf`` (a partial overlay may omit the discriminator)."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("required", "minProperties", "minItems", "discriminator"):
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: _nullable(_relax(sub)) for name, sub in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            out[key] = _nullable(_relax(value))
        elif key == "oneOf":
            out["anyOf"] = _relax(value)
        else:
            out[key] = _relax(value)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def render(schema: dict[str, Any]) -> str:
    """Stable text of a schema (what is committed)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, str]:
    """Path relative to the schema directory → schema text, for every file and variant."""
    out = {}
    for spec in FILES:
        stem = spec.name.removesuffix(".yaml")
        out[f"{stem}.schema.json"] = render(schema_for(spec))
        out[f"overlay/{stem}.schema.json"] = render(schema_for(spec, overlay=True))
    return out


def write_all(directory: Path) -> list[Path]:
    """Write every schema under ``directory``; return the paths written."""
    written = []
    for rel, text in all_schemas().items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
