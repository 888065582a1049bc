"""Label bit sets, the plain-Python reference for ``native/_bitset.pyx``.

Labels are interned into bit positions once per config version; a set of
labels is a Python ``int``. ``architect._native`` picks the compiled version
unless ``ARCHITECT_PURE_PYTHON=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def covers(have: int, need: int) -> bool:
    """True when every bit of ``need`` is also set in ``have``."""
    return (need & ~have) == 0


def encode(labels: Iterable[str], index: Mapping[str, int]) -> int:
    """Bit set of ``labels`` under ``index`` (label -> bit); unknown labels raise KeyError."""
    mask = 0
    for label in labels:
        mask |= 1 << index[label]
    return mask


def count_covering(haves: list[int], need: int) -> int:
    """How many bit sets in ``haves`` cover ``need``."""
    return sum(1 for have in haves if (need & ~have) == 0)
