"""Run by test_crash.py: write tasks through the store as fast as it can and print the id
of each one as soon as its write is acknowledged, until the parent kills it (SIGKILL)."""

from __future__ import annotations

import asyncio
import sys

from architect.store import NewTask, open_store

WRITERS = 16


async def main(url: str) -> None:
    store = await open_store(url)
    print("ready", flush=True)

    async def writer(n: int) -> None:
        i = 0
        while True:
            i += 1
            [(task, _)] = await store.insert_tasks(
                [NewTask(type="crash", payload={"w": n, "i": i})]
            )
            sys.stdout.write(task.id + "\n")
            sys.stdout.flush()

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
