"""``queries.yaml``: named, parameterised, read-only SQL templates and the indexes they use."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from architect.config.types import Duration, FrozenModel, Identifier


class ParamType(StrEnum):
    """Type of a query parameter; the query service converts and checks values by it."""

    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    UUID = "uuid"


_NUMERIC = {ParamType.INTEGER, ParamType.FLOAT}
_SCALAR_TYPES: dict[ParamType, tuple[type, ...]] = {
    ParamType.INTEGER: (int,),
    ParamType.FLOAT: (int, float),
    ParamType.STRING: (str,),
    ParamType.BOOLEAN: (bool,),
    ParamType.TIMESTAMP: (str,),
    ParamType.DURATION: (str, int),
    ParamType.UUID: (str,),
}


class QueryParam(FrozenModel):
    """One ``:name`` placeholder of a template, with its type and constraints."""

    name: Identifier
    """Placeholder name, written ``:name`` in the SQL."""
    type: ParamType
    """Value type."""
    list: bool = False
    """The parameter takes a list of values (written ``IN (:name)`` in the SQL)."""
    required: bool = False
    """The caller must supply it (then it has no default)."""
    default: Any = None
    """Value used when the caller omits it."""
    min: float | None = None
    """Smallest allowed value (integer and float parameters)."""
    max: float | None = None
    """Largest allowed value (integer and float parameters)."""
    enum: tuple[str | int, ...] | None = None
    """The only allowed values."""
    pattern: str | None = None
    """Regular expression a string value must match in full."""
    description: str = ""
    """What the parameter means."""

    @model_validator(mode="after")
    def _consistent(self) -> QueryParam:
        if self.required and self.default is not None:
            raise ValueError("a required parameter cannot have a default")
        if (self.min is not None or self.max is not None) and self.type not in _NUMERIC:
            raise ValueError("min and max apply to integer and float parameters only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.pattern is not None:
            if self.type is not ParamType.STRING:
                raise ValueError("pattern applies to string parameters only")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        if self.default is not None:
            values = self.default if self.list else [self.default]
            if self.list and not isinstance(self.default, list):
                raise ValueError("the default of a list parameter must be a list")
            for value in values:
                self._check_value(value)
        return self

    def _check_value(self, value: Any) -> None:
        ok = isinstance(value, _SCALAR_TYPES[self.type])
        if ok and self.type is not ParamType.BOOLEAN and isinstance(value, bool):
            ok = False
        if not ok:
            raise ValueError(f"default {value!r} is not a valid {self.type.value}")
        if self.min is not None and value < self.min:
            raise ValueError(f"default {value!r} is below min {self.min}")
        if self.max is not None and value > self.max:
            raise ValueError(f"default {value!r} is above max {self.max}")
        if self.enum is not None and value not in self.enum:
            raise ValueError(f"default {value!r} is not one of {list(self.enum)}")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ValueError(f"default {value!r} does not match pattern {self.pattern!r}")


class IndexDef(FrozenModel):
    """An index the store creates at start-up because templates rely on it."""

    table: Identifier
    """Table the index is on."""
    columns: tuple[Identifier, ...] = Field(min_length=1)
    """Indexed columns, in order."""
    where: str | None = None
    """Predicate of a partial index, in portable SQL (e.g. ``type = 'prompt'``)."""
    unique: bool = False
    """A unique index."""
    description: str = ""
    """Which access path it serves."""


class SqlByDialect(FrozenModel):
    """Dialect-specific SQL where portable SQL cannot express the query."""

    sqlite: str | None = None
    """SQL for SQLite."""
    postgres: str | None = None
    """SQL for PostgreSQL."""


class QueryTemplate(FrozenModel):
    """One named query: SQL (portable or per dialect), parameters, caching and row limit."""

    description: str = Field(min_length=1)
    """What the query answers."""
    sql: str | None = None
    """Portable SQL (SQLite and PostgreSQL): one SELECT or WITH statement, ``:name``
    placeholders."""
    sql_by_dialect: SqlByDialect | None = None
    """SQL per dialect; wins over ``sql`` for the dialects it names."""
    params: tuple[QueryParam, ...] = ()
    """Parameters, one per placeholder."""
    cache_ttl: Duration | None = None
    """How long results may be served from cache; 0s disables caching."""
    max_rows: int | None = Field(default=None, ge=1, le=100_000)
    """Rows returned at most; further rows are cut off and reported as truncated."""
    indexes: tuple[Identifier, ...] = ()
    """Names of the indexes (see ``indexes``) the query relies on."""

    @model_validator(mode="after")
    def _has_sql(self) -> QueryTemplate:
        by = self.sql_by_dialect
        if self.sql is None and (by is None or by.sqlite is None or by.postgres is None):
            raise ValueError("set sql, or sql_by_dialect with both sqlite and postgres")
        return self

    def sql_for(self, dialect: str) -> str:
        """The SQL text for ``dialect`` (``sqlite`` or ``postgres``)."""
        specific = getattr(self.sql_by_dialect, dialect, None) if self.sql_by_dialect else None
        text = specific or self.sql
        assert text is not None  # guaranteed by _has_sql
        return text


class QueryDefaults(FrozenModel):
    """Values every template starts from."""

    cache_ttl: Duration = timedelta(0)
    """How long results may be served from cache; 0s disables caching."""
    max_rows: int = Field(default=1000, ge=1, le=100_000)
    """Rows returned at most."""
    statement_timeout: Duration = timedelta(seconds=5)
    """A query running longer is cancelled and answers DEADLINE_EXCEEDED."""


class QueryCatalog(FrozenModel):
    """queries.yaml: query templates and the indexes they rely on."""

    defaults: QueryDefaults = QueryDefaults()
    """Values every template starts from."""
    indexes: dict[Identifier, IndexDef] = {}
    """Indexes the store creates, by name."""
    queries: dict[Identifier, QueryTemplate] = {}
    """Query templates by name."""
