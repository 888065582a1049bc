"""Architect: a task-routing backend for fleets of long-running worker sessions.

The public API is gRPC (``architect.v1``, generated from ``protos/``); this
package holds the server, its services and the ``architect`` command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("architect")
except PackageNotFoundError:  # pragma: no cover - running from an unbuilt tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
