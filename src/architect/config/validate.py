"""Turning pydantic's validation errors into ``ConfigError`` with file, line and key path.

Pydantic reports a location (``loc``) inside the data it validated; it may contain
entries that are not keys of the data (a union member's tag, ``[key]`` for a bad
map key). We walk the merged data along ``loc`` to get the real key path, then
look the path up in the origins recorded by the merge to get file and line.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from architect.config.errors import ConfigError
from architect.config.merge import KeyPath, format_path
from architect.config.model import ConfigFileSpec, Origin


def locate(origins: Mapping[KeyPath, Origin], path: KeyPath, fallback_file: str) -> tuple[str, int]:
    """File and line of ``path``, or of its nearest ancestor that was written somewhere."""
    for n in range(len(path), 0, -1):
        origin = origins.get(path[:n])
        if origin is not None:
            return origin.file, origin.line
    return fallback_file, 0


def error_at(
    origins: Mapping[KeyPath, Origin], path: KeyPath, message: str, fallback_file: str
) -> ConfigError:
    """A ``ConfigError`` for ``path``, located through ``origins``."""
    file, line = locate(origins, path, fallback_file)
    return ConfigError(file, line, format_path(path), message)


def validate_section(
    spec: ConfigFileSpec, data: Any, origins: Mapping[KeyPath, Origin]
) -> tuple[BaseModel | None, list[ConfigError]]:
    """Validate the merged data of one file against its model."""
    try:
        return spec.model.model_validate(data), []
    except ValidationError as exc:
        fallback = f"base/{spec.name}"
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            path = _data_path(data, loc, (spec.key,), err["type"])
            message = _message(err, spec.model, loc)
            errors.append(error_at(origins, path, message, fallback))
        return None, errors


def _data_path(data: Any, loc: Sequence[Any], root: KeyPath, kind: str) -> KeyPath:
    path = list(root)
    node = data
    for i, part in enumerate(loc):
        if _has(node, part):
            node = node[part]
            path.append(part)
        elif kind == "missing" and i == len(loc) - 1 and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _has(node: Any, part: Any) -> bool:
    """Whether ``part`` is a key of the map or an index of the list ``node``."""
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


def _message(err: Any, model: type[BaseModel], loc: KeyPath) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        text = f"unknown key {name!r}"
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            text += f"; did you mean {close[0]!r}?"
        if allowed:
            text += f" (expected one of: {', '.join(allowed)})"
        return text
    if kind == "missing":
        return f"required key {str(loc[-1])!r} is missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if not isinstance(value, dict | list) and kind not in ("value_error", "assertion_error"):
        msg += f"; got {value!r}"
    return msg


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return tp


def _fields_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """Field names of the model found at ``loc`` inside ``model`` (empty if none)."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        origin = get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        elif origin is dict:
            tp = get_args(tp)[1]
        elif origin in (tuple, list):
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            tp = _union_member(tp, part)
            if tp is None:
                return []
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _union_member(tp: Any, tag: Any) -> Any:
    """The member of a discriminated union whose ``kind`` literal is ``tag``."""
    for member in get_args(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("kind")
            literal = kind is not None and get_origin(kind.annotation) is Literal
            if literal and kind is not None and tag in get_args(kind.annotation):
                return member
    return None
