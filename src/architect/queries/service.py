"""``architect.v1.QueryService``: the templates of ``queries.yaml`` over gRPC.

Each call reads ``ConfigManager.current`` once and runs on the catalog compiled for that
version (compiled when the version first appears, never per call). The statement reaches the
store as the compiled text with every value bound as a parameter; it runs in a read-only
transaction under a timeout that is the configured ``statement_timeout`` or what is left of
the call's deadline, whichever is shorter, and with a row cap: the lowest of the request's
``max_rows``, the template's ``max_rows`` and the server's maximum.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from architect import errors
from architect.config.manager import ConfigManager
from architect.config.model import LoadedConfig
from architect.queries import results
from architect.queries.cache import TtlCache
from architect.queries.compile import (
    STREAM_MAX_ROWS,
    UNARY_DEFAULT_ROWS,
    UNARY_MAX_ROWS,
    Catalog,
    compile_catalog,
)
from architect.queries.info import list_response
from architect.queries.params import bind
from architect.store import IndexSpec, Store
from architect.store.indexes import IndexReport
from architect.v1 import query_pb2

log = logging.getLogger(__name__)

#: Rows per RowBatch, and the serialized size after which a batch is sent early (query.proto).
BATCH_ROWS = 500
BATCH_BYTES = 1 << 20
#: Results larger than this are not cached (a stream of a million rows would pin memory).
CACHEABLE_ROWS = UNARY_MAX_ROWS


@dataclass
class Outcome:
    """One executed query: what a response is built from, and what the cache holds."""

    columns: list[query_pb2.Column]
    rows: list[query_pb2.Row]
    truncated: bool
    executed_at: timestamp_pb2.Timestamp
    version: str
    #: The unary response served on a cache hit, built once.
    cached_response: query_pb2.ExecuteQueryResponse | None = field(default=None)


def _hashable(args: list[Any]) -> Hashable:
    return tuple(tuple(a) if isinstance(a, list) else a for a in args)


def _now() -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(datetime.now(UTC))
    return ts


def index_specs(config: LoadedConfig) -> list[IndexSpec]:
    """The indexes ``config`` declares, as the store takes them."""
    return [
        IndexSpec(name, ix.table, tuple(ix.columns), ix.where, ix.unique)
        for name, ix in sorted(config.queries.indexes.items())
    ]


class QueryService:
    """The QueryService implementation (methods take ``(request, context)``)."""

    def __init__(self, store: Store, config: ConfigManager, *, cache_entries: int = 10_000):
        self._store = store
        self._config = config
        self._catalog = compile_catalog(config.current, store.dialect)
        self._lists: dict[str, query_pb2.ListQueriesResponse] = {}
        #: Result cache; ``cache.stats`` counts hits, misses, expiries and invalidations.
        self.cache: TtlCache[Outcome] = TtlCache(cache_entries)
        self._tasks: set[asyncio.Task[IndexReport]] = set()
        self._unsubscribe = config.on_change(self._on_change)

    async def start(self) -> IndexReport:
        """Create the declared indexes that are missing (before the server takes calls)."""
        return await self.ensure_indexes(self._config.current)

    def close(self) -> None:
        """Stop following config changes."""
        self._unsubscribe()

    async def ensure_indexes(self, config: LoadedConfig) -> IndexReport:
        """Create the indexes ``config`` declares that do not exist; log what differs."""
        report = await self._store.ensure_indexes(index_specs(config))
        for name in report.created:
            log.info("created index %s declared in queries.yaml (config %s)", name, config.version)
        for problem in report.mismatched:
            log.warning("%s", problem)
        return report

    # -- config changes --------------------------------------------------------------

    def _recompile(self, config: LoadedConfig) -> Catalog:
        catalog = compile_catalog(config, self._store.dialect)
        changed = catalog.changed_since(self._catalog)
        self._catalog = catalog
        dropped = self.cache.invalidate(changed)
        if changed:
            log.info(
                "queries recompiled for config %s: %d templates changed, %d cached results dropped",
                config.version,
                len(changed),
                dropped,
            )
        return catalog

    def _on_change(self, new: LoadedConfig, old: LoadedConfig) -> None:
        self._recompile(new)
        if new.queries.indexes != old.queries.indexes:
            # Listeners run inside ConfigManager.reload, on the event loop.
            task = asyncio.get_running_loop().create_task(self.ensure_indexes(new))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(_log_failure)

    def _catalog_for(self, config: LoadedConfig) -> Catalog:
        catalog = self._catalog
        return catalog if catalog.version == config.version else self._recompile(config)

    # -- RPCs ------------------------------------------------------------------------

    async def ListQueries(
        self, request: query_pb2.ListQueriesRequest, context: grpc.aio.ServicerContext
    ) -> query_pb2.ListQueriesResponse:
        """Every template of the active config, ordered by name."""
        catalog = self._catalog_for(self._config.current)
        response = self._lists.get(catalog.version)
        if response is None:
            self._lists = {catalog.version: list_response(catalog)}
            response = self._lists[catalog.version]
        return response

    async def ExecuteQuery(
        self, request: query_pb2.ExecuteQueryRequest, context: grpc.aio.ServicerContext
    ) -> query_pb2.ExecuteQueryResponse:
        """Run one template; rows at once, up to the row cap."""
        out, cached = await self._run(request, UNARY_DEFAULT_ROWS, UNARY_MAX_ROWS, context)
        if cached:
            if out.cached_response is None:
                out.cached_response = self._response(out, cached=True)
            return out.cached_response
        return self._response(out, cached=False)

    async def StreamQuery(
        self, request: query_pb2.StreamQueryRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[query_pb2.StreamQueryResponse]:
        """Run one template; a header, row batches, a trailer."""
        out, cached = await self._run(request, STREAM_MAX_ROWS, STREAM_MAX_ROWS, context)
        yield query_pb2.StreamQueryResponse(
            header=query_pb2.StreamQueryHeader(
                columns=out.columns,
                cached=cached,
                config_version=out.version,
                executed_at=out.executed_at,
            )
        )
        batch: list[query_pb2.Row] = []
        size = 0
        for row in out.rows:
            batch.append(row)
            size += row.ByteSize()
            if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                yield query_pb2.StreamQueryResponse(rows=query_pb2.RowBatch(rows=batch))
                batch, size = [], 0
        if batch:
            yield query_pb2.StreamQueryResponse(rows=query_pb2.RowBatch(rows=batch))
        yield query_pb2.StreamQueryResponse(
            trailer=query_pb2.StreamQueryTrailer(row_count=len(out.rows), truncated=out.truncated)
        )

    # -- the common path ---------------------------------------------------------------

    @staticmethod
    def _response(out: Outcome, *, cached: bool) -> query_pb2.ExecuteQueryResponse:
        return query_pb2.ExecuteQueryResponse(
            columns=out.columns,
            rows=out.rows,
            truncated=out.truncated,
            cached=cached,
            config_version=out.version,
            executed_at=out.executed_at,
        )

    async def _run(
        self,
        request: query_pb2.ExecuteQueryRequest | query_pb2.StreamQueryRequest,
        default_cap: int,
        max_cap: int,
        context: grpc.aio.ServicerContext,
    ) -> tuple[Outcome, bool]:
        config = self._config.current
        catalog = self._catalog_for(config)
        if not request.name:
            raise errors.InvalidArgument("name is required: the query to run (see ListQueries)")
        query = catalog.queries.get(request.name)
        if query is None:
            raise errors.NotFound(
                f"no query named {request.name!r} in config {catalog.version}; "
                "ListQueries shows the available ones"
            )
        if request.HasField("max_rows"):
            if request.max_rows < 0:
                raise errors.InvalidArgument(f"max_rows must be >= 0; got {request.max_rows}")
            cap = min(request.max_rows, max_cap)
        else:
            cap = default_cap
        cap = min(cap, query.max_rows)
        values = bind(query.name, query.by_name, request.params)
        sql, args = query.statement(values)
        key = (query.fingerprint, _hashable(args), cap)
        if query.cache_ttl > 0:
            hit = self.cache.get(query.name, key)
            if hit is not None:
                return hit, True
        timeout = catalog.statement_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            if remaining <= 0:
                raise errors.DeadlineExceeded("the call's deadline passed before the query ran")
            timeout = min(timeout, remaining)
        result = await self._store.fetch_readonly(sql, args, timeout_s=timeout, max_rows=cap)
        columns, converters = results.describe(result, catalog.dialect)
        out = Outcome(
            columns=columns,
            rows=results.to_rows(result, converters),
            truncated=result.truncated,
            executed_at=_now(),
            version=catalog.version,
        )
        if query.cache_ttl > 0 and len(out.rows) <= CACHEABLE_ROWS:
            self.cache.put(query.name, key, out, query.cache_ttl)
        return out, False


def _log_failure(task: Any) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("creating the indexes declared in queries.yaml failed: %s", task.exception())
