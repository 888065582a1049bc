"""Selects compiled or pure-Python implementations of the hot paths.

Set ``ARCHITECT_PURE_PYTHON=1`` to force the plain-Python reference everywhere
(the compiled modules are then never imported). When the compiled module is
missing (for example a source checkout that was never built) the reference is
used and ``NATIVE`` is False, which ``architect serve`` logs at start.
"""

from __future__ import annotations

import os
from types import ModuleType

from architect.routing import bitset as _py_bitset
from architect.routing import matcher_py as _py_matcher

PURE_PYTHON: bool = os.environ.get("ARCHITECT_PURE_PYTHON", "").lower() in {"1", "true", "yes"}

bitset: ModuleType
matcher: ModuleType
if PURE_PYTHON:
    bitset = _py_bitset
    matcher = _py_matcher
    NATIVE = False
else:
    try:
        from architect import _bitset as bitset  # type: ignore[attr-defined,no-redef]
        from architect import _matcher as matcher

        NATIVE = True
    except ImportError:  # pragma: no cover - depends on the build
        bitset = _py_bitset
        matcher = _py_matcher
        NATIVE = False

__all__ = ["NATIVE", "PURE_PYTHON", "bitset", "matcher"]
