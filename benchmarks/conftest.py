"""Collects the matcher benchmark figures; prints a table with ratios and writes JSON."""

from __future__ import annotations

import json
import platform
from collections.abc import Iterator
from pathlib import Path

import pytest

RESULTS = Path(__file__).parent / "results"
_figures: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, dict[str, float]]]:
    """workload -> implementation -> median seconds per pass (only when timing is on)."""
    yield _figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _figures:
        return
    lines = ["", "matcher pass, median ms (ratio: naive / impl)"]
    for workload, by_impl in sorted(_figures.items()):
        naive = by_impl.get("naive")
        for impl, secs in sorted(by_impl.items()):
            ratio = f"{naive / secs:8.1f}x" if naive else "        -"
            lines.append(f"  {workload:24s} {impl:10s} {secs * 1000:10.3f} ms  {ratio}")
    terminalreporter.write_line("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": platform.node(), "python": platform.python_version(), "figures": _figures}
    (RESULTS / "matcher.json").write_text(json.dumps(payload, indent=2, sort_keys=True))
