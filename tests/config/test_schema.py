"""The committed JSON Schemas match the models, and every shipped file validates against its
schema (base files against the full one, overlays against the overlay one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from architect import paths
from architect.config.schema import all_schemas

CONFIG = paths.default_config_dir()
SHIPPED = sorted(
    p.relative_to(CONFIG).as_posix()
    for sub in ("base", "environments")
    for p in (CONFIG / sub).rglob("*.yaml")
)


class _TagLoader(yaml.SafeLoader):
    """How an editor sees the merge tags: !delete as null, !replace as a plain map."""


_TagLoader.add_constructor("!delete", lambda loader, node: None)
_TagLoader.add_constructor(
    "!replace",
    lambda loader, node: loader.construct_mapping(node, deep=True),  # type: ignore[arg-type]
)


def _schema_for(rel: str) -> tuple[str, dict[str, Any]]:
    """The schema a shipped file points at in its first line, resolved and loaded."""
    first = (CONFIG / rel).read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), f"{rel} does not point at its schema"
    target = ((CONFIG / rel).parent / first.removeprefix(prefix)).resolve()
    return target.relative_to(CONFIG / "schema").as_posix(), json.loads(target.read_text())


def test_committed_schemas_match_the_models() -> None:
    fresh = all_schemas()
    committed = {
        p.relative_to(CONFIG / "schema").as_posix(): p.read_text()
        for p in (CONFIG / "schema").rglob("*.json")
    }
    assert set(committed) == set(fresh)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `architect config schema --out config/schema`: {stale}"


def test_shipped_files_cover_every_layer() -> None:
    assert len([r for r in SHIPPED if r.startswith("base/")]) == 5
    assert {r.split("/")[1] for r in SHIPPED if r.startswith("environments/")} == {
        "development",
        "staging",
        "production",
    }


@pytest.mark.parametrize("rel", SHIPPED)
def test_shipped_file_validates_against_its_schema(rel: str) -> None:
    name, schema = _schema_for(rel)
    expected = Path(rel).name.replace(".yaml", ".schema.json")
    assert name == (expected if rel.startswith("base/") else f"overlay/{expected}")
    data = yaml.load((CONFIG / rel).read_text(), Loader=_TagLoader)
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_schema_rejects_what_the_loader_rejects() -> None:
    _, schema = _schema_for("base/sla_rules.yaml")
    validator = jsonschema.Draft202012Validator(schema)
    bad = {
        "sla_targets": {"shell": {"target_minutes": 5, "warning_percent": 150, "colour": "red"}},
        "channels": {"x": {"kind": "webhook", "url": "ftp://nope"}},
        "defaults": {"check_interval": "10 seconds"},
    }
    paths = {tuple(e.absolute_path) for e in validator.iter_errors(bad)}
    assert paths == {
        ("sla_targets", "shell", "warning_percent"),
        ("sla_targets", "shell"),  # 'colour' is not a key
        ("channels", "x"),  # ftp:// is not an http(s) URL
        ("defaults", "check_interval"),  # "10 seconds" is not a duration
    }
    assert not list(validator.iter_errors({"sla_targets": {"shell": {"target_minutes": 5}}}))


def test_overlay_schema_allows_partial_files_and_delete() -> None:
    _, schema = _schema_for("environments/development/routing_rules.yaml")
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors({"task_types": {"shell": None}}))
    assert not list(validator.iter_errors({"defaults": {"lease": "15s"}}))
    assert list(validator.iter_errors({"defaults": {"lease": "15 s"}}))
    assert list(validator.iter_errors({"task_types": {"shell": {"priorty": 3}}}))
