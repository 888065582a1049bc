"""Fixtures for config tests: a writable copy of the shipped config tree."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from architect import paths
from architect.config import ConfigError, ConfigInvalid, LoadedConfig, load_config


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of config/ (base, environments, schema) with an empty local/."""
    root = tmp_path / "config"
    shipped = paths.default_config_dir()
    for sub in ("base", "environments", "schema"):
        shutil.copytree(shipped / sub, root / sub)
    (root / "local").mkdir()
    return root


def write(root: Path, rel: str, text: str) -> Path:
    """Write dedented ``text`` to ``root/rel``."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``root/rel`` with ``new``."""
    path = root / rel
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
    path.write_text(text.replace(old, new))


def line_of(root: Path, rel: str, needle: str) -> int:
    """1-based line of the only line of ``root/rel`` containing ``needle``."""
    hits = [i for i, line in enumerate((root / rel).read_text().splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} on lines {hits} of {rel}"
    return hits[0]


def load(root: Path, env: str = "development") -> LoadedConfig:
    return load_config(root, env)


def errors_of(root: Path, env: str = "development") -> list[ConfigError]:
    """Every error loading ``root`` gives (the test fails if it loads)."""
    with pytest.raises(ConfigInvalid) as exc:
        load_config(root, env)
    return list(exc.value.errors)


def find(errors: list[ConfigError], key_path: str) -> ConfigError:
    """The one error at ``key_path``."""
    hits = [e for e in errors if e.key_path == key_path]
    assert len(hits) == 1, f"no single error at {key_path}; got:\n" + "\n".join(map(str, errors))
    return hits[0]
