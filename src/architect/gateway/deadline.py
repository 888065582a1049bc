"""The server-side cap on unary calls that came without a deadline.

A client that sends no deadline could keep a call (and whatever it holds) forever. Unary calls
without one are cancelled once they run past the cap and answer DEADLINE_EXCEEDED. Streaming
calls are exempt: a worker's session stream is meant to live for hours, and keepalive plus the
workers' heartbeats are what police it.

One sweeper task checks all capped calls a few times per cap (at most every second) instead of
arming a timer per call: entering and leaving costs two dict operations, where
``asyncio.timeout`` would push and cancel a timer handle on every call. A call therefore ends
between 1x and 1.25x the cap (or the cap plus one second, for caps over four seconds).
"""

from __future__ import annotations

import asyncio
import time


class DeadlineCap:
    """Cancels capped calls that run longer than ``seconds``."""

    def __init__(self, seconds: float):
        #: The cap in seconds; may be changed at run time (hot reload).
        self.seconds = seconds
        self._running: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def enter(self) -> asyncio.Task[object]:
        """Start capping the current task (a call's task); pair with :meth:`leave`."""
        task: asyncio.Task[object] = asyncio.current_task()  # type: ignore[assignment]
        self._running[task] = time.monotonic()
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())
        return task

    def leave(self, task: asyncio.Task[object]) -> None:
        """Stop capping ``task``."""
        self._running.pop(task, None)
        self._expired.discard(task)

    def expired(self, task: asyncio.Task[object]) -> bool:
        """Whether ``task`` was cancelled by the cap (and not by anything else)."""
        return task in self._expired

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.seconds / 4))
            limit = time.monotonic() - self.seconds
            for task, started in list(self._running.items()):
                if started <= limit and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()

    def close(self) -> None:
        """Stop the sweeper."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
