"""QueryService scenarios: ExecuteQuery cached and uncached on a 1,000,000-row tasks table.

The table is loaded once per run and shared by both scenarios (see ``query_bench.py``, which
also runs on its own with more options).
"""

from __future__ import annotations

from harness.context import Context, Figures, scenario


def _query(ctx: Context, *, cached: bool) -> Figures:
    import query_bench

    rows = 20_000 if ctx.quick else 1_000_000
    url = query_bench.shared_database(ctx.database, ctx.scratch, rows, ctx.progress)
    ctx.progress(f"ExecuteQuery pending_tasks ({'cached' if cached else 'uncached'})")
    figures: Figures = query_bench.measure(
        url, ctx.scratch, cached=cached, seconds=ctx.seconds, rate=500.0, processes=ctx.processes
    )
    return figures


@scenario
def query_cached(ctx: Context) -> Figures:
    """ExecuteQuery served from the result cache (1,000,000-row tasks table)."""
    return _query(ctx, cached=True)


@scenario
def query_uncached(ctx: Context) -> Figures:
    """ExecuteQuery on an indexed read of a 1,000,000-row tasks table, never cached."""
    return _query(ctx, cached=False)
