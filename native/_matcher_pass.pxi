# Included by _matcher.pyx: one matcher pass over the index.


cdef inline void _sift_up(int* heap, int* pos, long long* skey, int i):
    cdef int s = heap[i], p, ps
    while i > 0:
        p = (i - 1) >> 1
        ps = heap[p]
        if skey[ps] <= skey[s]:
            break
        heap[i] = ps
        pos[ps] = i
        i = p
    heap[i] = s
    pos[s] = i


cdef inline void _sift_down(int* heap, int* pos, long long* skey, int size, int i):
    cdef int s = heap[i], c, cs
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and skey[heap[c + 1]] < skey[heap[c]]:
            c += 1
        cs = heap[c]
        if skey[cs] >= skey[s]:
            break
        heap[i] = cs
        pos[cs] = i
        i = c
    heap[i] = s
    pos[s] = i


cdef struct _Fleet:
    # Per session slot.
    int* free
    long long* skey
    int* pos
    int* cls
    long long* rank
    # Per class: its heap lives at heap[start[c] : start[c] + size[c]].
    int* heap
    int* start
    int* size
    long long total_free


cdef inline int _top(_Fleet* f, int c, int excl):
    """Best free session of class ``c`` other than ``excl``; -1 if none."""
    cdef int size = f.size[c]
    cdef int* h = f.heap + f.start[c]
    if size == 0:
        return -1
    if h[0] != excl:
        return h[0]
    if size == 1:
        return -1
    if size > 2 and f.skey[h[2]] < f.skey[h[1]]:
        return h[2]
    return h[1]


cdef int _best(_Fleet* f, _Sig sig, bint preferred_only):
    """Best eligible session for ``sig`` (only preferred ones if asked); -1 if none."""
    cdef int best = -1, s, i
    cdef int* classes
    cdef signed char* class_pref
    cdef int* pref_slots
    if preferred_only and sig.task_pref:
        pref_slots = sig.pref_slots.data.as_ints
        for i in range(len(sig.pref_slots)):
            s = pref_slots[i]
            if f.free[s] > 0 and (best < 0 or f.skey[s] < f.skey[best]):
                best = s
        return best
    classes = sig.classes.data.as_ints
    class_pref = sig.class_pref.data.as_schars
    for i in range(len(sig.classes)):
        if preferred_only and not class_pref[i]:
            continue
        s = _top(f, classes[i], sig.excl_slot)
        if s >= 0 and (best < 0 or f.skey[s] < f.skey[best]):
            best = s
    return best


cdef void _take(_Fleet* f, int s, long long now):
    """Session ``s`` receives a task at ``now``: one slot less, and it goes to the back."""
    cdef int c = f.cls[s]
    cdef int* h = f.heap + f.start[c]
    cdef int* size = f.size + c
    cdef int i = f.pos[s], last
    f.free[s] -= 1
    f.total_free -= 1
    f.skey[s] = (now << RANK_BITS) | f.rank[s]
    if f.free[s] == 0:
        size[0] -= 1
        last = h[size[0]]
        if i < size[0]:
            h[i] = last
            f.pos[last] = i
            _sift_up(h, f.pos, f.skey, i)
            _sift_down(h, f.pos, f.skey, size[0], f.pos[last])
        return
    _sift_up(h, f.pos, f.skey, i)
    _sift_down(h, f.pos, f.skey, size[0], f.pos[s])


cdef class _Merge:
    """The k-way merge of the streams' heads, best effective priority first."""

    cdef list streams
    cdef Py_ssize_t k
    cdef array.array cur, eff, enq, ok
    cdef long long now
    cdef signed char* t_live
    cdef long long* t_serial
    cdef list t_id

    cdef void init(self, list streams, long long now, state):
        cdef array.array live = state.t_live, serial = state.t_serial
        self.streams = streams
        self.k = len(streams)
        self.now = now
        self.t_live = live.data.as_schars
        self.t_serial = serial.data.as_longlongs
        self.t_id = state.t_id
        self.cur = _arr("q", self.k)
        self.eff = _arr("q", self.k)
        self.enq = _arr("q", self.k)
        self.ok = _arr("b", self.k)
        for b in range(self.k):
            self.advance(b)

    cdef void advance(self, Py_ssize_t b):
        cdef _Stream st = <_Stream>self.streams[b]
        cdef long long i = self.cur.data.as_longlongs[b]
        while i < st.n and not st.live(i, self.now, self.t_live, self.t_serial):
            i += 1
        self.cur.data.as_longlongs[b] = i
        self.ok.data.as_schars[b] = i < st.n
        if i < st.n:
            self.eff.data.as_longlongs[b] = st.eff(i, self.now)
            self.enq.data.as_longlongs[b] = st.enqs.data.as_longlongs[i]

    cdef int pop(self):
        """Slot of the next task in pass order, or -1 when every stream is exhausted."""
        cdef Py_ssize_t b, best = -1
        cdef long long* eff = self.eff.data.as_longlongs
        cdef long long* enq = self.enq.data.as_longlongs
        cdef long long* cur = self.cur.data.as_longlongs
        cdef int slot
        for b in range(self.k):
            if not self.ok.data.as_schars[b]:
                continue
            if best < 0 or eff[b] > eff[best]:
                best = b
            elif eff[b] == eff[best]:
                if enq[b] < enq[best] or (enq[b] == enq[best] and self._id_less(b, best)):
                    best = b
        if best < 0:
            return -1
        slot = (<_Stream>self.streams[best]).slots.data.as_ints[cur[best]]
        cur[best] += 1
        self.advance(best)
        return slot

    cdef bint _id_less(self, Py_ssize_t a, Py_ssize_t b):
        cdef int sa = (<_Stream>self.streams[a]).slots.data.as_ints[self.cur.data.as_longlongs[a]]
        cdef int sb = (<_Stream>self.streams[b]).slots.data.as_ints[self.cur.data.as_longlongs[b]]
        return self.t_id[sa] < self.t_id[sb]


def match(state, long long now_ms):
    """One pass at ``now_ms``; returns Decisions and leaves the state unchanged.

    Same contract and results as ``architect.routing.matcher_py.match``.
    """
    cdef _Index idx = _sync(state)
    cdef long long now = now_ms
    cdef Py_ssize_t n_s = len(state.s_id), s, c, k, i
    cdef int f_s, slot, winner
    cdef _Fleet fleet
    cdef array.array a_free = _arr("i", n_s), a_skey = _arr("q", n_s), a_pos = _arr("i", n_s)
    cdef array.array a_heap = _arr("i", len(idx.members)), a_size = _arr("i", idx.n_classes)
    cdef array.array cap = state.s_capacity, act = state.s_active, acc = state.s_accepting
    cdef array.array lra = state.s_lra, enq_a = state.t_enq
    cdef long long* t_enq = enq_a.data.as_longlongs
    cdef int* members = idx.members.data.as_ints
    fleet.free = a_free.data.as_ints
    fleet.skey = a_skey.data.as_longlongs
    fleet.pos = a_pos.data.as_ints
    fleet.cls = idx.s_cls.data.as_ints
    fleet.rank = idx.s_rank.data.as_longlongs
    fleet.heap = a_heap.data.as_ints
    fleet.start = idx.mstart.data.as_ints
    fleet.size = a_size.data.as_ints
    fleet.total_free = 0
    for s in range(n_s):
        f_s = 0
        if fleet.cls[s] >= 0 and acc.data.as_schars[s]:
            f_s = cap.data.as_ints[s] - act.data.as_ints[s]
            if f_s < 0:
                f_s = 0
        fleet.free[s] = f_s
        fleet.total_free += f_s
        fleet.skey[s] = (lra.data.as_longlongs[s] << RANK_BITS) | fleet.rank[s]
    for c in range(idx.n_classes):
        k = 0
        for i in range(fleet.start[c], fleet.start[c + 1]):
            s = members[i]
            if fleet.free[s] > 0:
                fleet.heap[fleet.start[c] + k] = s
                k += 1
        fleet.size[c] = k
        for i in range(k // 2 - 1, -1, -1):
            _sift_down(fleet.heap + fleet.start[c], fleet.pos, fleet.skey, k, i)

    idx.epoch += 1
    cdef long long epoch = idx.epoch
    cdef _Merge merge = _Merge()
    merge.init(idx.streams, now, state)
    out = Decisions()
    cdef list task_ids = out.task_ids, session_ids = out.session_ids, failed = out.failed
    cdef list t_id = state.t_id, s_id = state.s_id, sig_list = idx.sig_list
    cdef int* t_sig = idx.t_sig.data.as_ints
    cdef _Sig sig
    cdef long long wake = -1, until
    while fleet.total_free > 0:
        slot = merge.pop()
        if slot < 0:
            break
        sig = <_Sig>sig_list[t_sig[slot]]
        if sig.rule < 0:
            failed.append(t_id[slot])
            continue
        winner = -1
        if sig.has_pref:
            if sig.pref_dead != epoch:
                winner = _best(&fleet, sig, True)
                if winner < 0:
                    sig.pref_dead = epoch
            if winner < 0:
                until = t_enq[slot] + sig.hold_ms
                if now < until:
                    if wake < 0 or until < wake:
                        wake = until
                    continue
                if sig.fallback == FALLBACK_FAIL:
                    failed.append(t_id[slot])
                    continue
                if sig.fallback == FALLBACK_WAIT:
                    continue
        if winner < 0:
            if sig.all_dead == epoch:
                continue
            winner = _best(&fleet, sig, False)
            if winner < 0:
                sig.all_dead = epoch
                continue
        _take(&fleet, winner, now)
        task_ids.append(t_id[slot])
        session_ids.append(s_id[winner])
    wake = _tail(idx, merge, state, now, failed, wake)
    out.wake_at_ms = None if wake < 0 else wake
    return out


cdef long long _tail(_Index idx, _Merge merge, state, long long now, list failed, long long wake):
    """Decide the tasks the pass did not reach (no capacity is left for them).

    Without capacity a task's outcome depends only on itself: held until its
    hold ends, failed when its fallback is FAIL, waiting otherwise. So each
    stream is scanned on its own and only the failures are put in pass order.
    """
    cdef Py_ssize_t b, i
    cdef _Stream st
    cdef _Sig sig
    cdef int slot
    cdef long long until, e
    cdef int* t_sig = idx.t_sig.data.as_ints
    cdef array.array enq_a = state.t_enq
    cdef long long* t_enq = enq_a.data.as_longlongs
    cdef list sig_list = idx.sig_list, t_id = state.t_id
    late = []
    for b in range(merge.k):
        st = <_Stream>idx.streams[b]
        for i in range(merge.cur.data.as_longlongs[b], st.n):
            if not st.live(i, now, merge.t_live, merge.t_serial):
                continue
            slot = st.slots.data.as_ints[i]
            sig = <_Sig>sig_list[t_sig[slot]]
            if sig.rule >= 0 and not sig.has_pref:
                continue
            e = st.eff(i, now)
            if sig.rule < 0:
                late.append((-e, t_enq[slot], t_id[slot]))
                continue
            until = t_enq[slot] + sig.hold_ms
            if now < until:
                if wake < 0 or until < wake:
                    wake = until
            elif sig.fallback == FALLBACK_FAIL:
                late.append((-e, t_enq[slot], t_id[slot]))
    late.sort()
    failed.extend([t[2] for t in late])
    return wake
