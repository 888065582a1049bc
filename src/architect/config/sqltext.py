"""Static checks of query template SQL: one read-only statement, and its ``:name`` placeholders.

This is not a SQL parser. It removes string literals, quoted identifiers and
comments, then looks at what is left, which is enough to tell a read-only
``SELECT``/``WITH`` from anything else and to find the placeholders (PostgreSQL's
``::type`` casts are not placeholders).
"""

from __future__ import annotations

import re

_LITERALS = re.compile(
    r"""'(?:[^']|'')*'      # string literal, '' escapes a quote
      | "(?:[^"]|"")*"      # quoted identifier
      | --[^\n]*            # line comment
      | /\*.*?\*/           # block comment
    """,
    re.VERBOSE | re.DOTALL,
)
_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_WRITES = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|ATTACH|"
    r"DETACH|PRAGMA|VACUUM|COPY|CALL|EXECUTE|LOCK|INTO|NOTIFY|LISTEN|SET)\b",
    re.IGNORECASE,
)


def strip(sql: str) -> str:
    """``sql`` with literals, quoted identifiers and comments blanked out."""
    return _LITERALS.sub(" ", sql)


def placeholders(sql: str) -> list[str]:
    """Placeholder names in order of first appearance."""
    seen: dict[str, None] = {}
    for name in _PLACEHOLDER.findall(strip(sql)):
        seen.setdefault(name, None)
    return list(seen)


def read_only_problem(sql: str) -> str | None:
    """Why ``sql`` is not a single read-only statement, or None when it is."""
    body = strip(sql).strip()
    body = body.removesuffix(";").rstrip()
    if not body:
        return "the SQL is empty"
    if ";" in body:
        return "the SQL must be a single statement (found ';' before the end)"
    first = body.split(None, 1)[0].upper()
    if first not in ("SELECT", "WITH"):
        return f"the SQL must start with SELECT or WITH (read-only), not {first}"
    write = _WRITES.search(body)
    if write:
        return f"the SQL must be read-only; {write.group(1).upper()} is not allowed"
    return None
