# cython: language_level=3
"""The compiled matcher: the same contract as ``architect.routing.matcher_py``, fast by design.

What makes a pass cheap, beyond compiling:

* **The queue stays ordered between passes.** Tasks are kept in sorted
  streams, one or two per aging class (distinct aging rate and cap). While a
  task's aging grows, its effective priority is ``K + rate * now`` with
  ``K = p * 10**9 - rate * enqueued``, so ordering by ``K`` holds at every
  ``now``; once aging reaches the cap it is ``p * 10**9 + cap``, ordered by
  ``p``. Each class therefore keeps a "growing" stream (by ``K``) and a
  "capped" stream (by ``p``); a pass merges the streams' heads, taking from
  each only the tasks on its side of the class's cap threshold at ``now``.
  New tasks are sorted in small batches and merged in; removed tasks are
  skipped by serial number and compacted away at the next merge.
* **Sessions are grouped into classes** of identical (labels, provider,
  preferred-by, excluded-by) and tasks into **signatures** of identical
  (rule, required labels, preferred names, failed session). A signature's
  candidate classes are computed once per fleet change, so a task looks at a
  few classes, never at sessions or label bits. Each class keeps its free
  sessions in a binary heap on (last assigned, id rank).
* **Dead signatures are skipped**: capacity only shrinks during a pass, so once
  a signature finds no eligible session, later tasks with it wait at once.
* **The pass stops matching when no capacity is left**; the remaining tasks
  are only scanned for holds and FAIL fallbacks, without merging.

Limits: at most 2**21 sessions (the id rank shares an int64 with the last
assignment time); task and time bounds as in ``architect.routing.tables``.
"""

from cpython cimport array
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


cdef class _Stream:
    """Task entries of one aging class and side (growing or capped), best first."""

    cdef public int capped, sig_id, index
    cdef public long long per_ms, cap, age_sat
    cdef public array.array slots, serials, keys, enqs
    cdef public Py_ssize_t n

    def __init__(self, bint capped, long long per_ms, long long cap, int sig_id, int index):
        self.capped = capped
        self.sig_id = sig_id
        self.index = index
        self.per_ms = per_ms
        self.cap = cap
        self.age_sat = (cap + per_ms - 1) // per_ms if per_ms > 0 else 0
        self.slots = _arr("i", 0)
        self.serials = _arr("q", 0)
        self.keys = _arr("q", 0)
        self.enqs = _arr("q", 0)
        self.n = 0

    cdef bint live(self, Py_ssize_t i, long long now, signed char* t_live, long long* t_serial):
        cdef int slot = self.slots.data.as_ints[i]
        if not t_live[slot] or t_serial[slot] != self.serials.data.as_longlongs[i]:
            return False
        if self.per_ms == 0:
            return True
        cdef bint growing = self.enqs.data.as_longlongs[i] > now - self.age_sat
        return growing != self.capped

    cdef long long eff(self, Py_ssize_t i, long long now):
        if self.capped:
            return self.keys.data.as_longlongs[i] * POINT + self.cap
        return self.keys.data.as_longlongs[i] + self.per_ms * now

    def merge(self, list new, list t_id, signed char[:] t_live, long long[:] t_serial):
        """Merge ``new`` (sorted (−key, enq, id, slot, serial) tuples) and drop dead entries."""
        cdef Py_ssize_t i = 0, j = 0, m = len(new), k = 0, total = self.n + m
        cdef array.array slots = _arr("i", total), serials = _arr("q", total)
        cdef array.array keys = _arr("q", total), enqs = _arr("q", total)
        cdef int* os = self.slots.data.as_ints
        cdef long long* oser = self.serials.data.as_longlongs
        cdef long long* okey = self.keys.data.as_longlongs
        cdef long long* oenq = self.enqs.data.as_longlongs
        cdef int slot
        cdef bint take_old
        cdef tuple e = None
        cdef long long e_key = 0, e_enq = 0
        if m:
            e = new[0]
            e_key = -<long long>e[0]
            e_enq = e[1]
        while i < self.n or j < m:
            if i < self.n:
                slot = os[i]
                if not t_live[slot] or t_serial[slot] != oser[i]:
                    i += 1
                    continue
            if i >= self.n:
                take_old = False
            elif j >= m:
                take_old = True
            elif okey[i] != e_key:
                take_old = okey[i] > e_key
            elif oenq[i] != e_enq:
                take_old = oenq[i] < e_enq
            else:
                take_old = t_id[os[i]] < e[2]
            if take_old:
                slots.data.as_ints[k] = os[i]
                serials.data.as_longlongs[k] = oser[i]
                keys.data.as_longlongs[k] = okey[i]
                enqs.data.as_longlongs[k] = oenq[i]
                i += 1
            else:
                slots.data.as_ints[k] = e[3]
                serials.data.as_longlongs[k] = e[4]
                keys.data.as_longlongs[k] = e_key
                enqs.data.as_longlongs[k] = e_enq
                j += 1
                if j < m:
                    e = new[j]
                    e_key = -<long long>e[0]
                    e_enq = e[1]
            k += 1
        array.resize(slots, k)
        array.resize(serials, k)
        array.resize(keys, k)
        array.resize(enqs, k)
        self.slots, self.serials, self.keys, self.enqs, self.n = slots, serials, keys, enqs, k


cdef class _Sig:
    # growing/capped: its tasks, ordered; capped is None without aging or without a cap.
    """Tasks that see the same eligible sessions: same rule, labels, preferences, failure."""

    cdef public int sid, rule, fallback, has_pref, task_pref, excl_slot
    cdef public long long hold_ms
    cdef public object key
    cdef public array.array classes, class_pref, pref_slots
    cdef public long long pref_dead, all_dead
    cdef public _Stream growing, capped

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
