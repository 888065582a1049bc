"""Indexes declared outside the migrations (by ``queries.yaml``): DDL and verification.

The indexes the shipped templates rely on are created by the migrations (reviewed DDL,
applied once, in a transaction). An operator who adds a template and an index in config
gets the index from ``Store.ensure_indexes``, which the server calls at start and after
each config reload: it creates what is missing (``IF NOT EXISTS``; ``CONCURRENTLY`` on
PostgreSQL so a reload never blocks writers on a large table) and reports an index whose
name exists with other columns. It never drops or rebuilds one: an index of that name may be
a correctness constraint the store depends on (``uq_assignments_one_active``), and config
must not be able to remove it.

Identifiers are validated by the config (``^[A-Za-z_][A-Za-z0-9_]*$``, tables and columns
checked against the schema contract) and quoted again here; the only free text is the
``where`` predicate, written by the operator, never by a client, and refused here if it
could hold more than one statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from architect import errors
from architect.store.records import IndexSpec

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class ExistingIndex:
    """An index as the database reports it."""

    table: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What ``ensure_indexes`` did: indexes created, and declared indexes whose name is taken
    by an index of another shape (left as they are; see the module docstring)."""

    created: tuple[str, ...]
    mismatched: tuple[str, ...]


def _quote(name: str) -> str:
    if not _IDENT.match(name):
        raise errors.InvalidArgument(f"{name!r} is not a valid SQL identifier")
    return f'"{name}"'


def create_index_sql(spec: IndexSpec, *, concurrently: bool) -> str:
    """``CREATE INDEX IF NOT EXISTS`` for ``spec``; ``InvalidArgument`` for a bad name or a
    predicate that is not one expression."""
    where = ""
    if spec.where is not None:
        if ";" in spec.where or "--" in spec.where or "/*" in spec.where:
            raise errors.InvalidArgument(
                f"index {spec.name}: the where predicate may not contain ';' or comments"
            )
        where = f" WHERE {spec.where}"
    return (
        f"CREATE {'UNIQUE ' if spec.unique else ''}INDEX "
        f"{'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {_quote(spec.name)} "
        f"ON {_quote(spec.table)} ({', '.join(map(_quote, spec.columns))}){where}"
    )


def mismatch(spec: IndexSpec, found: ExistingIndex) -> str | None:
    """Why the existing index ``found`` is not the declared ``spec``, or None if it is.

    Predicates are not compared: the database rewrites them (PostgreSQL adds casts and
    parentheses), so text comparison would report differences that are not there.
    """
    want = ExistingIndex(spec.table, spec.columns, spec.unique)
    if found == want:
        return None
    return (
        f"index {spec.name} exists as {'unique ' if found.unique else ''}{found.table}"
        f"({', '.join(found.columns)}) but queries.yaml declares "
        f"{'unique ' if spec.unique else ''}{spec.table}({', '.join(spec.columns)}); "
        "it is left as it is: rename the declared index or migrate the existing one"
    )
