"""Configuration errors: one precise problem, and the rejection that carries them all.

A ``ConfigError`` names the file (relative to the config directory), the
1-based line (0 when unknown), the dotted key path and what was expected. The
loader collects every problem it finds before giving up, so an operator fixes a
file in one pass instead of one error per restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from architect.errors import InvalidArgument

#: How many errors an exception message quotes before summarising the rest.
MESSAGE_ERROR_LIMIT = 5


@dataclass(frozen=True, order=True)
class ConfigError:
    """One problem in a configuration tree."""

    #: File relative to the config directory, e.g. ``base/routing_rules.yaml``.
    file: str
    #: 1-based line in ``file``; 0 when unknown (a missing key, a whole-tree check).
    line: int
    #: Dotted key path, e.g. ``routing_rules.task_types.shell.priority``.
    key_path: str
    #: What is wrong and what was expected.
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.key_path}: {self.message}"
            if self.key_path
            else (f"{where}: {self.message}")
        )


class ConfigInvalid(InvalidArgument):
    """A configuration failed to load; ``errors`` holds every problem found."""

    def __init__(self, errors: Sequence[ConfigError]):
        self.errors: tuple[ConfigError, ...] = tuple(sorted(set(errors)))
        super().__init__(summarise(self.errors))


def summarise(errors: Sequence[ConfigError], limit: int = MESSAGE_ERROR_LIMIT) -> str:
    """A one-message summary: the count, then the first ``limit`` errors, one per line."""
    head = [str(e) for e in errors[:limit]]
    more = len(errors) - len(head)
    noun = "error" if len(errors) == 1 else "errors"
    lines = [f"invalid configuration ({len(errors)} {noun}):", *head]
    if more:
        lines.append(f"... and {more} more")
    return "\n".join(lines)
