"""What every scenario receives, and the registry ``run.py`` picks scenarios from."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import pgdb
from harness.servers import ServerProcess, start_architect

Figures = dict[str, float]


@dataclass
class Context:
    """The run's options, a scratch directory, and the figures of scenarios already run."""

    seconds: float
    processes: int
    concurrency: int
    database: str | None
    scratch: Path
    #: ``--quick``: smaller fleets and tables, so the whole suite is a smoke test.
    quick: bool = False
    #: Sessions for the fleet scenarios (``--sessions``); 1,000 by default, fewer when quick.
    sessions: int = 1000
    #: Use h2load for fixed unary calls when it is installed (``--no-h2load`` turns it off).
    h2load: bool = True
    #: Figures of the scenarios that ran before this one (a comparison may need them).
    results: dict[str, Figures] = field(default_factory=dict)

    def progress(self, msg: str) -> None:
        """One line on stderr with the time, so a long run shows where it is."""
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    @property
    def postgres(self) -> bool:
        return bool(self.database and self.database.startswith("postgresql"))

    @contextmanager
    def architect(self, name: str, **kw: Any) -> Iterator[ServerProcess]:
        """``architect serve`` for one scenario: its own data dir and, on PostgreSQL, its own
        scratch database (created from ``--database``, dropped afterwards), so no scenario
        sees another's rows."""
        with pgdb.scratch(self.database, name) as url:
            server = start_architect(self.scratch / name, database=url, **kw)
            try:
                yield server
            finally:
                server.stop()


Scenario = Callable[[Context], Figures]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    """Register ``fn`` under its name; scenarios run in registration order."""
    SCENARIOS[fn.__name__] = fn
    return fn
