"""Layer merging: base, then ``environments/<env>``, then ``local``.

The rules (documented for operators in config/README.md):

* maps merge deeply: an overlay names only the keys it changes;
* lists and scalars replace: an overlay's list is the whole new list;
* ``key: !delete`` removes ``key`` (and everything under it) from the layers below;
  deleting a key that no lower layer defines is an error, so a misspelt name is caught;
* ``key: !replace {...}`` replaces a map whole instead of merging into it.

Alongside the data the merge keeps, for every key path, the file and line that wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from architect.config.errors import ConfigError
from architect.config.model import Origin

#: A key path inside the merged tree: map keys and list indexes.
KeyPath = tuple[str | int, ...]


class DeleteMarker:
    """The value of a key tagged ``!delete``."""

    def __repr__(self) -> str:
        return "!delete"


DELETE = DeleteMarker()


class Replace(dict[str, Any]):
    """A map tagged ``!replace``: it replaces the lower layers' map instead of merging."""


def format_path(path: KeyPath) -> str:
    """``("routing_rules", "task_types", "shell")`` to ``routing_rules.task_types.shell``;
    list indexes are written ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class Layer:
    """One parsed file, ready to merge: its data under its file key, and a line per path."""

    file: str
    data: dict[str, Any]
    lines: dict[KeyPath, int]


@dataclass
class MergeState:
    """The merged tree so far, its origins, and the problems found while merging."""

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[KeyPath, Origin] = field(default_factory=dict)
    errors: list[ConfigError] = field(default_factory=list)

    def apply(self, layer: Layer) -> None:
        """Merge ``layer`` over what has been merged so far."""
        self._merge_map(self.data, layer.data, (), layer)

    def _line(self, layer: Layer, path: KeyPath) -> int:
        return layer.lines.get(path, 0)

    def _merge_map(
        self, lower: dict[str, Any], upper: Mapping[str, Any], path: KeyPath, layer: Layer
    ) -> None:
        for key, value in upper.items():
            here = (*path, key)
            if value is DELETE:
                if key not in lower:
                    self._error(layer, here, "!delete names a key that no lower layer defines")
                    continue
                del lower[key]
                self._drop(here)
            elif (
                isinstance(value, dict)
                and not isinstance(value, Replace)
                and isinstance(lower.get(key), dict)
            ):
                self.origins[here] = Origin(layer.file, self._line(layer, here))
                self._merge_map(lower[key], value, here, layer)
            else:
                self._drop(here)
                lower[key] = self._plain(value, here, layer)

    def _plain(self, value: Any, path: KeyPath, layer: Layer) -> Any:
        """A copy of ``value`` without merge markers, recording the origin of every path."""
        self.origins[path] = Origin(layer.file, self._line(layer, path))
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if item is DELETE:
                    self._error(
                        layer,
                        (*path, key),
                        "!delete names a key that no lower layer "
                        "defines (this map is new or tagged !replace)",
                    )
                    continue
                out[key] = self._plain(item, (*path, key), layer)
            return out
        if isinstance(value, list):
            items = []
            for i, item in enumerate(value):
                if item is DELETE:
                    self._error(
                        layer,
                        (*path, i),
                        "!delete cannot appear in a list; "
                        "lists are replaced whole, so write the list without the item",
                    )
                    continue
                items.append(self._plain(item, (*path, i), layer))
            return items
        return value

    def _drop(self, prefix: KeyPath) -> None:
        n = len(prefix)
        for path in [p for p in self.origins if p[:n] == prefix]:
            del self.origins[path]

    def _error(self, layer: Layer, path: KeyPath, message: str) -> None:
        self.errors.append(
            ConfigError(layer.file, self._line(layer, path), format_path(path), message)
        )
