"""fetch_readonly (for the QueryService) and driver-error translation."""

from __future__ import annotations

import pytest

from architect import errors
from architect.store import NewTask, Store, open_store
from tests.store.conftest import placeholders

SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgres": "SELECT pg_sleep(30)",
}


async def test_rows_columns_and_truncation(store: Store) -> None:
    await store.insert_tasks([NewTask(type="prompt", priority=i) for i in range(5)])
    p = placeholders(store, 1)
    sql = f"SELECT id, priority FROM tasks WHERE type = {p[0]} ORDER BY priority"
    result = await store.fetch_readonly(sql, ["prompt"], timeout_s=5, max_rows=3)
    assert result.columns == ("id", "priority")
    assert [r[1] for r in result.rows] == [0, 1, 2]
    assert result.truncated
    whole = await store.fetch_readonly(sql, ["prompt"], timeout_s=5, max_rows=5)
    assert len(whole.rows) == 5 and not whole.truncated
    view = await store.fetch_readonly("SELECT count(*) FROM prompts", [], timeout_s=5, max_rows=1)
    assert view.rows == ((5,),)


async def test_writes_are_refused(store: Store) -> None:
    with pytest.raises(errors.ReadOnlyViolation):
        await store.fetch_readonly("DELETE FROM tasks", [], timeout_s=5, max_rows=10)


async def test_slow_query_hits_the_deadline(store: Store) -> None:
    with pytest.raises(errors.DeadlineExceeded):
        await store.fetch_readonly(SLOW[store.dialect], [], timeout_s=0.2, max_rows=1)
    # the connection is usable afterwards
    ok = await store.fetch_readonly("SELECT 1", [], timeout_s=5, max_rows=1)
    assert ok.rows == ((1,),)


async def test_bad_sql_is_invalid_argument(store: Store) -> None:
    with pytest.raises(errors.InvalidArgument):
        await store.fetch_readonly("SELECT nope FROM nowhere", [], timeout_s=5, max_rows=1)


@pytest.mark.postgres
async def test_unreachable_postgres_is_unavailable() -> None:
    with pytest.raises(errors.Unavailable):
        await open_store("postgresql://postgres@127.0.0.1:1/none", pool_min_size=1)


def test_bad_urls_are_invalid_argument() -> None:
    from architect.store import dialect_of

    with pytest.raises(errors.InvalidArgument, match="unsupported"):
        dialect_of("mysql://x")


async def test_sqlite_memory_is_refused() -> None:
    with pytest.raises(errors.InvalidArgument, match="memory"):
        await open_store("sqlite:///:memory:")
