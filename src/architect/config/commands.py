"""``architect config validate | show | schema``: the config tree from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from architect.config.errors import ConfigInvalid
from architect.config.loader import load_config
from architect.config.merge import KeyPath, format_path
from architect.config.model import FILES_BY_KEY, Origin
from architect.config.schema import render, schema_for, write_all
from architect.errors import InvalidArgument


def validate(config_dir: Path, env: str, out: TextIO = sys.stdout) -> int:
    """Print every error as ``file:line: key.path: message``; 0 when valid, else 1."""
    try:
        config = load_config(config_dir, env)
    except ConfigInvalid as exc:
        for error in exc.errors:
            print(error, file=out)
        noun = "error" if len(exc.errors) == 1 else "errors"
        print(f"{len(exc.errors)} {noun} in {config_dir.resolve()} (env {env})", file=out)
        return 1
    except InvalidArgument as exc:
        print(exc, file=out)
        return 1
    print(
        f"config {config.version} is valid: {config.config_dir} (env {env}, "
        f"{len(config.files)} files: {', '.join(config.files)})",
        file=out,
    )
    return 0


def show(
    config_dir: Path,
    env: str,
    *,
    origin: bool,
    fmt: str,
    file: str | None,
    out: TextIO = sys.stdout,
) -> int:
    """Print the merged config (defaults applied), optionally with where each value came
    from; 1 with the errors when it does not load."""
    key = file.removesuffix(".yaml") if file else None
    if key is not None and key not in FILES_BY_KEY:
        print(f"unknown file {file!r}; expected one of {', '.join(FILES_BY_KEY)}", file=out)
        return 1
    try:
        config = load_config(config_dir, env)
    except (ConfigInvalid, InvalidArgument) as exc:
        print(exc, file=out)
        return 1
    data = config.as_data(key)
    if fmt == "json":
        doc: dict[str, Any] = {"version": config.version, "env": env, "config": data}
        if origin:
            doc["origins"] = {k: str(v) for k, v in config.origins.items()}
        print(json.dumps(doc, indent=2, ensure_ascii=False), file=out)
        return 0
    print(f"# config {config.version} (env {env}) from {config.config_dir}", file=out)
    lines: list[str] = []
    _emit(data, (), 0, lines, config.origins if origin else None)
    print("\n".join(lines), file=out)
    return 0


def schema(file: str | None, overlay: bool, out_dir: Path | None, out: TextIO = sys.stdout) -> int:
    """Print one file's JSON Schema, or write every schema under ``out_dir``."""
    if out_dir is not None:
        for path in write_all(out_dir):
            print(f"wrote {path}", file=out)
        return 0
    key = (file or "").removesuffix(".yaml")
    if key not in FILES_BY_KEY:
        print(f"unknown file {file!r}; expected one of {', '.join(FILES_BY_KEY)}", file=out)
        return 1
    out.write(render(schema_for(FILES_BY_KEY[key], overlay=overlay)))
    return 0


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...")


def _comment(origins: dict[str, Origin] | Any, path: KeyPath) -> str:
    if origins is None:
        return ""
    where = origins.get(format_path(path))
    return f"  # {where}" if where is not None else "  # default"


def _emit(value: Any, path: KeyPath, indent: int, lines: list[str], origins: Any) -> None:
    """Block-style YAML of ``value`` with an optional origin comment per key."""
    pad = " " * indent
    items: list[tuple[str | int, Any]] = (
        list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    )
    for key, item in items:
        here = (*path, key)
        lead = f"{pad}{key}:" if isinstance(key, str) else f"{pad}-"
        note = _comment(origins, here)
        if isinstance(item, dict | list) and item:
            if isinstance(key, int) and isinstance(item, dict):
                # A map inside a list starts on the "- " line.
                sub: list[str] = []
                _emit(item, here, indent + 2, sub, origins)
                sub[0] = f"{pad}- {sub[0][indent + 2 :]}"
                lines.extend(sub)
            else:
                lines.append(lead + note)
                _emit(item, here, indent + 2, lines, origins)
        elif isinstance(item, str) and "\n" in item:
            lines.append(f"{lead} |{note}")
            lines.extend(f"{pad}  {line}".rstrip() for line in item.rstrip("\n").split("\n"))
        else:
            lines.append(f"{lead} {_scalar(item)}{note}")
