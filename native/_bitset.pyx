# cython: language_level=3
"""Label bit sets, compiled.

Labels, providers and exclusions are interned into bit positions once per
config version; a set of them is a Python int used as a bit set. The matcher
asks one question millions of times per pass: does this session's set cover
the task's required set? These helpers answer it without allocating.

The pure-Python twin is ``architect.routing.bitset``; both must agree
(tests/test_bitset.py runs the same cases on each).
"""


def covers(object have, object need):
    """True when every bit of ``need`` is also set in ``have``."""
    if need.bit_length() <= 63 and have.bit_length() <= 63:
        return (<long long> need & ~(<long long> have)) == 0
    return (need & ~have) == 0


def encode(labels, dict index):
    """Bit set of ``labels`` under ``index`` (label -> bit); unknown labels raise KeyError."""
    cdef object mask = 0
    cdef object one = 1  # a Python int: C shifts would overflow past bit 63
    for label in labels:
        mask |= one << index[label]
    return mask


def count_covering(list haves, object need):
    """How many bit sets in ``haves`` cover ``need``."""
    cdef Py_ssize_t n = 0
    for have in haves:
        if (need & ~have) == 0:
            n += 1
    return n
