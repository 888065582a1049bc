"""Versioned schema migrations for both dialects.

Migrations are SQL files shipped in the package, ``migrations/<dialect>/NNNN_name.sql``.
Each database records what it has applied in ``schema_migrations`` (version,
name, checksum, applied_at). Applying is one transaction per migration, so a
failed migration leaves the previous schema intact. A migration whose file
changed after it was applied (checksum mismatch), or an applied version this
release does not know, stops everything with ``MigrationError``: silently
running against a schema we did not write is how data gets damaged.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from architect import errors

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

#: DDL of the bookkeeping table, per dialect.
SCHEMA_MIGRATIONS_DDL = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
    ),
    "postgres": (
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
        "name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL)"
    ),
}


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file of this release."""

    version: int
    name: str
    sql: str
    checksum: str


@dataclass(frozen=True, slots=True)
class MigrationInfo:
    """A migration as ``architect db status`` shows it; ``applied_at`` is None if pending."""

    version: int
    name: str
    checksum: str
    applied_at: datetime | None


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """What a database has applied and what this release would still apply."""

    applied: tuple[MigrationInfo, ...]
    pending: tuple[Migration, ...]


def load_migrations(dialect: str) -> list[Migration]:
    """This release's migrations for ``dialect``, in version order."""
    folder = resources.files("architect.store").joinpath("migrations", dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if not match:
            continue
        sql = entry.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()
        found.append(Migration(int(match[1]), match[2], sql, checksum))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise errors.MigrationError(f"two {dialect} migrations share a version: {versions}")
    return found


def plan(available: list[Migration], applied: list[MigrationInfo]) -> MigrationStatus:
    """Compare the database's record with this release; refuse any disagreement."""
    known = {m.version: m for m in available}
    for info in applied:
        mine = known.get(info.version)
        if mine is None:
            raise errors.MigrationError(
                f"the database has migration {info.version:04d}_{info.name} applied, which this "
                "release does not know; run a release at least as new as the one that applied it"
            )
        if mine.checksum != info.checksum:
            raise errors.MigrationError(
                f"migration {info.version:04d}_{info.name} changed after it was applied "
                f"(checksum {info.checksum[:12]} in the database, {mine.checksum[:12]} shipped); "
                "never edit an applied migration, add a new one"
            )
    done = {info.version for info in applied}
    pending = tuple(m for m in available if m.version not in done)
    return MigrationStatus(tuple(sorted(applied, key=lambda i: i.version)), pending)


def split_sqlite_script(sql: str) -> list[str]:
    """Split a script into statements (``sqlite3`` runs one per ``execute``).

    ``executescript`` would do it, but it commits first, which breaks the rule of one
    transaction per migration.
    """
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines(keepends=True):
        if not current and (not line.strip() or line.lstrip().startswith("--")):
            continue
        current.append(line)
        text = "".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text.strip())
            current = []
    if "".join(current).strip():
        raise errors.MigrationError("a migration ends with an incomplete SQL statement")
    return statements


__all__ = [
    "SCHEMA_MIGRATIONS_DDL",
    "Migration",
    "MigrationInfo",
    "MigrationStatus",
    "load_migrations",
    "plan",
    "split_sqlite_script",
]
