# cython: language_level=3
"""The compiled matcher: the same contract as ``architect.routing.matcher_py``, fast by design.

What makes a pass cheap, beyond compiling:

* **The queue stays ordered between passes.** While a task's aging grows, its
  effective priority is ``K + rate * now`` with ``K = p * 10**9 - rate * enqueued``,
  so ordering by ``K`` holds at every ``now``; once aging reaches the cap it is
  ``p * 10**9 + cap``, ordered by ``p``. So tasks live in sorted streams: a
  "growing" one by ``K`` and, for capped aging, a "capped" one by ``p``; a pass
  merges the stream heads (a small heap), taking from each stream only the tasks
  on its side of the cap threshold at ``now``. Exact integers throughout, so the
  order is the reference's to the last tie. New tasks are sorted per batch and
  merged in; removed tasks are marked dead in place (through the state's removal
  log) and compacted away at the next merge. All entries share one C buffer.
* **Sessions are grouped into classes** of identical (labels, provider,
  preferred-by, excluded-by) and tasks into **signatures** of identical (rule,
  required labels, preferred names, failed session). A signature's candidate
  classes are computed when it first appears or the fleet changes, so a task
  looks at a few classes, never at sessions or label bits. Each class keeps its
  free sessions in a binary heap on (last assigned, id rank).
* **Finished signatures are skipped**: capacity only shrinks during a pass, so
  once a signature finds no session its later tasks are decided without
  looking. With up to PER_SIG_LIMIT signatures each has its own streams and a
  finished one is dropped whole; with more, streams are shared per aging class
  (a heap over thousands of streams would cost more than visiting each task).
* **The pass stops matching when no capacity is left**; the remaining tasks
  are only scanned for holds and FAIL fallbacks, and only if some signature
  can have such an outcome.

Limits: at most 2**21 sessions (the id rank shares an int64 with the last
assignment time); task and time bounds as in ``architect.routing.tables``.
"""

from cpython cimport array
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset
import array as pyarray

from architect.routing.decisions import Decisions

cdef enum:
    RANK_BITS = 21
    FALLBACK_ANY = 0
    FALLBACK_WAIT = 1
    FALLBACK_FAIL = 2
cdef long long POINT = 1000000000


cdef inline array.array _arr(str code, Py_ssize_t n):
    cdef array.array a = pyarray.array(code)
    array.resize(a, n)
    if n:
        array.zero(a)
    return a


cdef struct Entry:
    # One pending task in a stream: its order key, enqueue time and identity.
    long long key       # K = p * POINT - per_ms * enq (growing side) or p (capped side)
    long long enq
    long long serial
    int slot            # -1 once the task has left the queue
    int sig             # its signature (index into _Index.sig_list)


cdef struct Stream:
    # Entries[start:end] of one aging class and side, best first.
    long long start, end
    long long per_ms, cap, age_sat
    int capped, _pad


cdef struct SigC:
    # The hot fields of a _Sig, packed for the pass; candidates live in flat arrays.
    long long pref_dead, all_dead, hold_ms
    int rule, has_pref, task_pref, fallback, excl_slot
    int cand_off, cand_len, pref_off, pref_len, _pad


cdef struct ClassC:
    # One session class during a pass: its heap is heap[start : start + size].
    long long top_key
    int start, size, top, _pad


cdef class _Sig:
    """Tasks that see the same eligible sessions: same rule, labels, preferences, failure."""

    cdef public int sid, rule, fallback, has_pref, task_pref, excl_slot
    cdef public long long hold_ms
    cdef public object key
    cdef public array.array classes, class_pref, pref_slots
    cdef public long long pref_dead, all_dead
    # Indexes of its aging class's streams; capped is -1 without aging or without a cap.
    cdef public int growing, capped

    def __init__(self, key, int rule, int fallback, long long hold_ms, bint has_pref, bint task_pref):
        self.key = key
        self.rule = rule
        self.fallback = fallback
        self.hold_ms = hold_ms
        self.has_pref = has_pref
        self.task_pref = task_pref
        self.excl_slot = -1
        self.classes = _arr("i", 0)
        self.class_pref = _arr("b", 0)
        self.pref_slots = _arr("i", 0)
        self.pref_dead = -1
        self.all_dead = -1


include "_matcher_index.pxi"
include "_matcher_pass.pxi"
