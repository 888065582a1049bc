"""pgqueuer on the same PostgreSQL: enqueue, dequeue and complete, with its own API.

Mirrors pgqueuer's own throughput benchmark (``tools/benchmark.py`` in its repository:
producers enqueue batches, several ``PgQueuer`` consumers each on their own connection run
``run(batch_size=...)``, a job counts when its handler returns), spread over processes the
way Architect's run is (a producer process and consumer processes), on a scratch database.
Only with ``--database postgresql://...``; needs the ``bench`` extra (``pip install
'.[bench]'``).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from typing import Any

from harness import pgdb
from harness.context import Context, Figures, scenario

#: Consumer processes, PgQueuer consumers per process, and their dequeue batch size.
CONSUMER_PROCESSES, CONSUMERS, DEQUEUE_BATCH = 2, 5, 10
#: Producer coroutines (one connection each) and their enqueue batch size.
PRODUCERS, ENQUEUE_BATCH = 2, 100
#: Enqueued but not yet processed jobs the producers allow, like Architect's backlog.
BACKLOG = 4000


async def _consume(dsn: str, done: Any, stop: Any) -> None:
    import asyncpg
    from pgqueuer import AsyncpgDriver, PgQueuer
    from pgqueuer.models import Job

    pgqs = [PgQueuer(AsyncpgDriver(await asyncpg.connect(dsn))) for _ in range(CONSUMERS)]
    for pgq in pgqs:

        @pgq.entrypoint("bench")
        async def bench(job: Job) -> None:
            with done.get_lock():
                done.value += 1

    async def watch() -> None:
        await asyncio.to_thread(stop.wait)  # a multiprocessing Event: wait for it off the loop
        for pgq in pgqs:
            pgq.shutdown.set()

    await asyncio.gather(watch(), *(pgq.run(batch_size=DEQUEUE_BATCH) for pgq in pgqs))


async def _produce(dsn: str, done: list[Any], enqueued: Any, stop: Any) -> None:
    import asyncpg
    from pgqueuer import AsyncpgDriver
    from pgqueuer.queries import Queries

    async def producer() -> None:
        queries = Queries(AsyncpgDriver(await asyncpg.connect(dsn)))
        while not stop.is_set():
            if enqueued.value - sum(d.value for d in done) > BACKLOG:
                await asyncio.sleep(0.001)
                continue
            with enqueued.get_lock():
                enqueued.value += ENQUEUE_BATCH
            await queries.enqueue(
                ["bench"] * ENQUEUE_BATCH, [b"x"] * ENQUEUE_BATCH, [0] * ENQUEUE_BATCH
            )

    await asyncio.gather(*(producer() for _ in range(PRODUCERS)))


def _consumer_main(dsn: str, done: Any, stop: Any) -> None:
    import uvloop

    uvloop.run(_consume(dsn, done, stop))


def _producer_main(dsn: str, done: list[Any], enqueued: Any, stop: Any) -> None:
    import uvloop

    uvloop.run(_produce(dsn, done, enqueued, stop))


async def _install(dsn: str) -> None:
    import asyncpg
    from pgqueuer import AsyncpgDriver
    from pgqueuer.queries import Queries

    conn = await asyncpg.connect(dsn)
    try:
        await Queries(AsyncpgDriver(conn)).install()
    finally:
        await conn.close()


def measure(dsn: str, seconds: float, warmup: float = 2.0) -> float:
    """pgqueuer jobs completed per second on the (scratch) database ``dsn``."""
    asyncio.run(_install(dsn))
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    done = [ctx.Value("q", 0) for _ in range(CONSUMER_PROCESSES)]
    enqueued = ctx.Value("q", 0)
    procs = [ctx.Process(target=_consumer_main, args=(dsn, d, stop)) for d in done]
    procs.append(ctx.Process(target=_producer_main, args=(dsn, done, enqueued, stop)))
    for p in procs:
        p.start()
    try:
        time.sleep(warmup + 1.0)  # imports, connections, then the warm-up
        c0, t0 = sum(d.value for d in done), time.monotonic()
        time.sleep(seconds)
        rate = (sum(d.value for d in done) - c0) / (time.monotonic() - t0)
        if any(not p.is_alive() for p in procs):
            raise RuntimeError("a pgqueuer process died during the run")
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return rate


@scenario
def pgqueuer_end_to_end(ctx: Context) -> Figures:
    """pgqueuer's enqueue+dequeue+complete rate, and Architect's end-to-end rate over it."""
    if not ctx.postgres:
        ctx.progress("pgqueuer_end_to_end: skipped (needs --database postgresql://...)")
        return {}
    try:
        import pgqueuer  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("pgqueuer is not installed: pip install -e '.[bench]'") from exc
    assert ctx.database is not None
    with pgdb.scratch(ctx.database, "pgqueuer") as dsn:
        assert dsn is not None
        ctx.progress(f"pgqueuer: {ctx.seconds:.0f}s of enqueue/dequeue/complete")
        rate = measure(dsn, ctx.seconds)
    figures: Figures = {"jobs_per_s": round(rate, 1)}
    ours = ctx.results.get("end_to_end_max", {}).get("tasks_per_s")
    if ours is not None and rate:
        figures["architect_tasks_per_s"] = ours
        figures["ratio_architect_vs_pgqueuer"] = round(ours / rate, 3)
    return figures
