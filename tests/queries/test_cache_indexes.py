"""The result cache (hit, expiry, invalidation on reload) and the declared indexes."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg

from architect import paths
from architect.config import load_config
from architect.queries import QueryService
from architect.v1 import admin_pb2, admin_pb2_grpc, query_pb2
from tests.queries.conftest import Live

V = query_pb2.Value
SHIPPED_INDEXES = load_config(paths.default_config_dir(), "development").queries.indexes


def service(live: Live) -> QueryService:
    impl = live.server._impls["architect.v1.QueryService"]
    assert isinstance(impl, QueryService)
    return impl


async def count(live: Live, name: str, **params: V) -> tuple[int, bool, str]:
    resp = await live.stub.ExecuteQuery(query_pb2.ExecuteQueryRequest(name=name, params=params))
    return resp.rows[0].values[0].int_value, resp.cached, resp.config_version


async def insert_task(live: Live, task_type: str) -> None:
    from architect.store import NewTask

    assert live.server.store is not None
    await live.server.store.insert_tasks([NewTask(type=task_type, priority=1)])


async def test_cache_hit_is_keyed_by_values(live: Live) -> None:
    stats = service(live).cache.stats
    assert await count(live, "cached_long", type=V(string_value="shell")) == (
        2,
        False,
        live.server.config.current.version,  # type: ignore[union-attr]
    )
    await insert_task(live, "shell")
    n, cached, _ = await count(live, "cached_long", type=V(string_value="shell"))
    assert (n, cached) == (2, True)  # the stale count, from cache
    n, cached, _ = await count(live, "cached_long", type=V(string_value="prompt"))
    assert (n, cached) == (1, False)  # other values, another entry
    assert (stats.hits, stats.misses) == (1, 2)


async def test_uncached_template_always_runs(live: Live) -> None:
    assert (await count(live, "slow_count", n=V(int_value=2)))[1] is False
    assert (await count(live, "slow_count", n=V(int_value=2)))[1] is False


async def test_cache_expiry(live: Live) -> None:
    assert (await count(live, "cached_short"))[:2] == (3, False)
    await insert_task(live, "shell")
    await asyncio.sleep(0.3)  # the TTL is 100 ms
    assert (await count(live, "cached_short"))[:2] == (4, False)
    assert service(live).cache.stats.expired == 1


async def test_reload_invalidates_changed_templates_only(live: Live) -> None:
    await count(live, "cached_long", type=V(string_value="shell"))
    before = await live.stub.ExecuteQuery(query_pb2.ExecuteQueryRequest(name="cached_short"))
    local = live.tree / "local" / "queries.yaml"
    text = local.read_text()
    local.write_text(
        text.replace(
            "SELECT COUNT(*) AS tasks FROM tasks WHERE type = :type",
            "SELECT COUNT(*) + 100 AS tasks FROM tasks WHERE type = :type",
        ).replace("cache_ttl: 100ms", "cache_ttl: 60s")
    )
    admin = admin_pb2_grpc.AdminServiceStub(live.channel)
    reply = await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())
    assert reply.changed
    n, cached, version = await count(live, "cached_long", type=V(string_value="shell"))
    assert (n, cached, version) == (102, False, reply.version)
    assert service(live).cache.stats.invalidated >= 1
    # A template the reload did not touch keeps its entry (warmed again under the new TTL).
    await count(live, "cached_short")
    assert (await count(live, "cached_short"))[1] is True
    assert before.config_version != reply.version


async def existing_indexes(live: Live) -> dict[str, tuple[str, tuple[str, ...]]]:
    url = live.server.options.database_url
    if live.dialect == "sqlite":
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")]
            return {
                n: (
                    db.execute("SELECT tbl_name FROM sqlite_master WHERE name=?", (n,)).fetchone()[
                        0
                    ],
                    tuple(r[2] for r in db.execute(f'PRAGMA index_info("{n}")')),
                )
                for n in names
            }
        finally:
            db.close()
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT c.relname AS name, t.relname AS tbl, ARRAY(SELECT a.attname::text FROM "
            "unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON "
            "a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) AS cols FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
        )
        return {r["name"]: (r["tbl"], tuple(r["cols"])) for r in rows}
    finally:
        await conn.close()


async def test_every_declared_index_exists_after_start(live: Live) -> None:
    found = await existing_indexes(live)
    for name, index in SHIPPED_INDEXES.items():
        assert found.get(name) == (index.table, tuple(index.columns)), name


async def test_an_index_added_by_a_reload_is_created(live: Live) -> None:
    local = live.tree / "local" / "queries.yaml"
    local.write_text(
        local.read_text()
        + "indexes:\n  idx_tasks_error_test:\n    table: tasks\n    columns: [error]\n"
        '    where: "error IS NOT NULL"\n'
    )
    await service(live).ensure_indexes(live.server.config.current)  # type: ignore[arg-type]
    assert "idx_tasks_error_test" not in await existing_indexes(live)
    admin = admin_pb2_grpc.AdminServiceStub(live.channel)
    assert (await admin.ReloadConfig(admin_pb2.ReloadConfigRequest())).changed
    for _ in range(200):  # created in the background after the reload
        if "idx_tasks_error_test" in await existing_indexes(live):
            break
        await asyncio.sleep(0.05)
    assert (await existing_indexes(live))["idx_tasks_error_test"] == ("tasks", ("error",))
    report = await service(live).ensure_indexes(live.server.config.current)  # type: ignore[arg-type]
    assert report.created == () and report.mismatched == ()
