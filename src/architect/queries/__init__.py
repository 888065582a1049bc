"""The QueryService: named, typed, read-only SQL templates from ``queries.yaml``.

compile.py   templates -> driver statements, once per config version and dialect
params.py    proto Values -> checked, typed driver values
results.py   driver rows -> typed proto columns and rows
cache.py     the per-template TTL result cache
info.py      ListQueries
service.py   the gRPC servicer
"""

from __future__ import annotations

from architect.queries.cache import CacheStats, TtlCache
from architect.queries.compile import Catalog, CompiledQuery, compile_catalog
from architect.queries.service import QueryService, index_specs

__all__ = [
    "CacheStats",
    "Catalog",
    "CompiledQuery",
    "QueryService",
    "TtlCache",
    "compile_catalog",
    "index_specs",
]
