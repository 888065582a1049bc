"""Query templates compiled once per config version into the driver's statement form.

A template's ``:name`` placeholders become ``$n`` (asyncpg) or ``?n`` (SQLite's numbered
form, so a parameter used twice is bound once on both backends). Placeholders are found by
one left-to-right scan that skips string literals, quoted identifiers and comments, and never
mistakes PostgreSQL's ``::type`` casts for placeholders.

List parameters (``IN (:statuses)``) are expanded to one placeholder per element, so the
statement text depends only on the list's LENGTH, never on its values; the text for each
length is built once and kept. On PostgreSQL a list written ``= ANY(:ids)`` is bound as one
array parameter instead and the text never changes. An empty list is one placeholder bound
to NULL (``IN (NULL)`` matches nothing), because ``IN ()`` is not SQL.

Nothing here ever sees a caller's value: ``CompiledQuery.statement`` takes the bound values
only to count list elements and to order the arguments.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from architect.config.model import LoadedConfig
from architect.config.queries import QueryTemplate
from architect.queries.params import ParamSpec, compile_param
from architect.store import Dialect

_TOKEN = re.compile(
    r"""'(?:[^']|'')*'            # string literal
      | "(?:[^"]|"")*"            # quoted identifier
      | --[^\n]*                  # line comment
      | /\*.*?\*/                 # block comment
      | (?<![:\w]):([A-Za-z_]\w*) # placeholder (not a ::cast)
    """,
    re.VERBOSE | re.DOTALL,
)
_ANY_BEFORE = re.compile(r"ANY\s*\(\s*$", re.IGNORECASE)

#: Row caps (see query.proto): a unary result, and a stream.
UNARY_DEFAULT_ROWS = 1_000
UNARY_MAX_ROWS = 10_000
STREAM_MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class CompiledQuery:
    """One template ready to run on one dialect."""

    name: str
    template: QueryTemplate
    dialect: Dialect
    #: Parameters in declaration order.
    params: tuple[ParamSpec, ...]
    by_name: dict[str, ParamSpec]
    #: sha256 of the template's definition: equal iff the template did not change.
    fingerprint: str
    #: Seconds a result may be served from cache (0: never cached).
    cache_ttl: float
    #: The template's own row cap.
    max_rows: int
    #: The SQL split at placeholders: ``texts[i]`` precedes the placeholder ``slots[i]``
    #: (an index into ``order``); ``texts[-1]`` follows the last one.
    texts: tuple[str, ...]
    slots: tuple[int, ...]
    #: Parameter names in order of first appearance: the order arguments are bound in.
    order: tuple[str, ...]
    #: List parameters bound as one array (PostgreSQL ``= ANY(:name)``).
    arrays: frozenset[str]
    _by_shape: dict[tuple[int, ...], str] = field(default_factory=dict, compare=False)

    def _mark(self, n: int) -> str:
        return f"${n}" if self.dialect == "postgres" else f"?{n}"

    def statement(self, values: dict[str, Any]) -> tuple[str, list[Any]]:
        """The statement text and its positional arguments for bound ``values`` (by name).

        The text depends only on the lengths of expanded lists and is cached by them.
        """
        shape: list[int] = []
        args: list[Any] = []
        for name in self.order:
            value = values[name]
            spec = self.by_name[name]
            if spec.is_list and name not in self.arrays:
                items = list(value) if value else [None]
                shape.append(len(items))
                args.extend(items)
            else:
                args.append(list(value) if spec.is_list and value is not None else value)
        key = tuple(shape)
        sql = self._by_shape.get(key)
        if sql is None:
            sql = self._render(key)
            if len(self._by_shape) < 1000:  # list lengths are capped; this bounds memory
                self._by_shape[key] = sql
        return sql, args

    def _render(self, shape: tuple[int, ...]) -> str:
        first: dict[str, list[int]] = {}
        counter = 1
        lengths = iter(shape)
        for name in self.order:
            spec = self.by_name[name]
            width = next(lengths) if spec.is_list and name not in self.arrays else 1
            first[name] = list(range(counter, counter + width))
            counter += width
        out: list[str] = []
        for text, slot in zip(self.texts, self.slots, strict=False):
            out.append(text)
            out.append(", ".join(self._mark(n) for n in first[self.order[slot]]))
        out.append(self.texts[-1])
        return "".join(out)


def _split(sql: str) -> tuple[list[str], list[str]]:
    """The text between placeholders, and the placeholder names in order."""
    texts: list[str] = []
    names: list[str] = []
    last = 0
    for m in _TOKEN.finditer(sql):
        if m.group(1) is None:
            continue
        texts.append(sql[last : m.start()])
        names.append(m.group(1))
        last = m.end()
    texts.append(sql[last:])
    return texts, names


def compile_query(
    name: str, template: QueryTemplate, dialect: Dialect, config: LoadedConfig
) -> CompiledQuery:
    """Compile one template for ``dialect`` (the config has validated its placeholders)."""
    qdefaults = config.queries.defaults
    specs = tuple(compile_param(name, p, dialect) for p in template.params)
    by_name = {s.name: s for s in specs}
    texts, names = _split(template.sql_for(dialect))
    order = tuple(dict.fromkeys(names))
    arrays: set[str] = set()
    if dialect == "postgres":
        for pname in order:
            if not by_name[pname].is_list:
                continue
            before = [texts[i] for i, n in enumerate(names) if n == pname]
            if all(_ANY_BEFORE.search(t) for t in before):
                arrays.add(pname)
    ttl = template.cache_ttl if template.cache_ttl is not None else qdefaults.cache_ttl
    digest = hashlib.sha256(f"{dialect}\n{template.model_dump_json()}".encode()).hexdigest()
    return CompiledQuery(
        name=name,
        template=template,
        dialect=dialect,
        params=specs,
        by_name=by_name,
        fingerprint=digest[:16],
        cache_ttl=ttl.total_seconds(),
        max_rows=template.max_rows or qdefaults.max_rows,
        texts=tuple(texts),
        slots=tuple(order.index(n) for n in names),
        order=order,
        arrays=frozenset(arrays),
    )


@dataclass(frozen=True)
class Catalog:
    """Every template of one config version, compiled for one dialect."""

    version: str
    dialect: Dialect
    queries: dict[str, CompiledQuery]
    #: The configured statement timeout, in seconds.
    statement_timeout: float

    def changed_since(self, old: Catalog) -> set[str]:
        """Names of templates that are new, removed or different in ``self``."""
        names = set(self.queries) | set(old.queries)
        return {
            n
            for n in names
            if n not in self.queries
            or n not in old.queries
            or self.queries[n].fingerprint != old.queries[n].fingerprint
        }


def compile_catalog(config: LoadedConfig, dialect: Dialect) -> Catalog:
    """Compile every template of ``config`` for ``dialect``."""
    return Catalog(
        version=config.version,
        dialect=dialect,
        queries={
            name: compile_query(name, tpl, dialect, config)
            for name, tpl in sorted(config.queries.queries.items())
        },
        statement_timeout=config.queries.defaults.statement_timeout.total_seconds(),
    )
