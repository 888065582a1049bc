"""Reading one YAML file into plain data while keeping the line of every key.

PyYAML's ``safe_load`` forgets where values were written and silently keeps the
last of two duplicate keys. We compose the node graph instead and convert it
ourselves, so that every key path maps to a line, duplicate keys are errors,
and the merge tags ``!delete`` and ``!replace`` become markers (see merge.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from architect.config.errors import ConfigError
from architect.config.merge import DELETE, KeyPath, Layer, Replace, format_path

# libyaml's C parser is ~20x faster than PyYAML's pure-Python one and keeps the same
# marks; reload latency is mostly YAML parsing, so use it wherever it was built.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_MERGE_TAGS = ("!delete", "!replace")


class _Reader:
    def __init__(self, file: str, root: KeyPath, errors: list[ConfigError]):
        self.file = file
        self.root = root
        self.errors = errors
        self.lines: dict[KeyPath, int] = {root: 1}
        self.constructor = SafeConstructor()

    def error(self, node: Node, path: KeyPath, message: str) -> None:
        self.errors.append(
            ConfigError(self.file, node.start_mark.line + 1, format_path(path), message)
        )

    def convert(self, node: Node, path: KeyPath) -> Any:
        if node.tag == "!delete":
            if not isinstance(node, ScalarNode) or node.value != "":
                self.error(node, path, "!delete takes no value: write `key: !delete`")
            return DELETE
        if node.tag.startswith("!") and node.tag not in _MERGE_TAGS:
            self.error(node, path, f"unknown tag {node.tag}; the only tags are !delete, !replace")
            # Read the value as if untagged, so the tag is the only error reported for it.
            implicit = isinstance(node, ScalarNode) and node.style is None
            value = node.value if isinstance(node, ScalarNode) else None
            node.tag = _RESOLVER.resolve(type(node), value, (implicit, False))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if node.tag == "!replace":
            self.error(node, path, "!replace applies to maps only")
        if isinstance(node, SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.convert(item, (*path, i)))
            return items
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = Replace() if node.tag == "!replace" else {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag.startswith("!"):
                self.error(key_node, path, "map keys must be plain names")
                continue
            # The key's source text, not its YAML 1.1 value: `on:` or `1:` stay strings.
            key = str(key_node.value)
            here = (*path, key)
            if key in first_line:
                self.error(
                    key_node,
                    here,
                    f"duplicate key {key!r}; first defined at line "
                    f"{first_line[key]} (YAML would silently keep only the last one)",
                )
                continue
            first_line[key] = line
            self.lines[here] = line
            out[key] = self.convert(value_node, here)
        return out

    def _scalar(self, node: Node, path: KeyPath) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            self.error(node, path, f"cannot read value: {exc.problem}")
            return None
        # Dates become ISO strings: config data must be plain JSON-compatible values.
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value


def read_layer(text: str, file: str, key: str, errors: list[ConfigError]) -> Layer | None:
    """Parse ``text`` (the content of ``file``) into a ``Layer`` rooted at ``key``.

    Problems are appended to ``errors``; None is returned when the file cannot be used
    at all (a syntax error, several documents, a top level that is not a map).
    """
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        errors.append(ConfigError(file, mark.line + 1 if mark else 0, "", f"YAML: {detail}"))
        return None
    except yaml.YAMLError as exc:
        errors.append(ConfigError(file, 0, "", f"YAML: {exc}"))
        return None
    if len(nodes) > 1:
        errors.append(
            ConfigError(file, nodes[1].start_mark.line + 1, "", "one YAML document per file")
        )
        return None
    reader = _Reader(file, (key,), errors)
    if not nodes:
        return Layer(file, {key: {}}, reader.lines)
    root = nodes[0]
    if not isinstance(root, MappingNode):
        reader.error(root, (key,), "the top level of a config file must be a map of keys")
        return None
    before = len(errors)
    data = reader.convert(root, (key,))
    if len(errors) > before and not isinstance(data, dict):
        return None
    return Layer(file, {key: data}, reader.lines)
