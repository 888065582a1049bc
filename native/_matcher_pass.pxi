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
    # Per class, and the heaps they point into.
    ClassC* classes
    int* heap
    long long total_free
    # Packed signature candidates (see _Index.pack_sigs).
    int* cand
    signed char* cand_pref
    int* prefs


cdef inline void _retop(_Fleet* f, ClassC* c):
    if c.size:
        c.top = f.heap[c.start]
        c.top_key = f.skey[c.top]


cdef inline int _top(_Fleet* f, int ci, int excl):
    """Best free session of class ``ci`` other than ``excl``; -1 if none."""
    cdef ClassC* c = f.classes + ci
    cdef int* h
    if c.size == 0:
        return -1
    if c.top != excl:
        return c.top
    if c.size == 1:
        return -1
    h = f.heap + c.start
    if c.size > 2 and f.skey[h[2]] < f.skey[h[1]]:
        return h[2]
    return h[1]


cdef int _best(_Fleet* f, SigC* g, bint preferred_only):
    """Best eligible session for signature ``g`` (only preferred ones if asked); -1 if none."""
    cdef int best = -1, s, i, ci
    cdef long long best_key = 0
    cdef ClassC* c
    if preferred_only and g.task_pref:
        for i in range(g.pref_off, g.pref_off + g.pref_len):
            s = f.prefs[i]
            if f.free[s] > 0 and (best < 0 or f.skey[s] < best_key):
                best = s
                best_key = f.skey[s]
        return best
    for i in range(g.cand_off, g.cand_off + g.cand_len):
        if preferred_only and not f.cand_pref[i]:
            continue
        ci = f.cand[i]
        c = f.classes + ci
        if c.size == 0:
            continue
        if c.top != g.excl_slot:
            if best < 0 or c.top_key < best_key:
                best = c.top
                best_key = c.top_key
            continue
        s = _top(f, ci, g.excl_slot)
        if s >= 0 and (best < 0 or f.skey[s] < best_key):
            best = s
            best_key = f.skey[s]
    return best


cdef void _take(_Fleet* f, int s, long long now):
    """Session ``s`` receives a task at ``now``: one slot less, and it goes to the back."""
    cdef ClassC* c = f.classes + f.cls[s]
    cdef int* h = f.heap + c.start
    cdef int i = f.pos[s], last
    f.free[s] -= 1
    f.total_free -= 1
    f.skey[s] = (now << RANK_BITS) | f.rank[s]
    if f.free[s] == 0:
        c.size -= 1
        last = h[c.size]
        if i < c.size:
            h[i] = last
            f.pos[last] = i
            _sift_up(h, f.pos, f.skey, i)
            _sift_down(h, f.pos, f.skey, c.size, f.pos[last])
    else:
        _sift_up(h, f.pos, f.skey, i)
        _sift_down(h, f.pos, f.skey, c.size, f.pos[s])
    _retop(f, c)


cdef inline bint _valid(Entry* e, Stream* st, long long now):
    """A live task on this stream's side of its cap threshold at ``now``."""
    if e.slot < 0:
        return False
    if st.per_ms == 0:
        return True
    return (e.enq > now - st.age_sat) != st.capped


cdef inline long long _eff(Entry* e, Stream* st, long long now):
    if st.capped:
        return e.key * POINT + st.cap
    return e.key + st.per_ms * now


cdef class _Heads:
    """A binary heap of streams keyed by their head task: best effective priority first.

    Ties on (effective priority, enqueue time) compare task ids, as the reference does.
    """

    cdef _Index idx
    cdef list t_id
    cdef long long now
    cdef array.array a_cur, a_eff, a_enq, a_slot, a_heap
    cdef long long* cur
    cdef long long* eff
    cdef long long* enq
    cdef int* slot
    cdef int* heap
    cdef int size

    cdef void init(self, _Index idx, long long now, list t_id):
        cdef int n = idx.n_st, b
        self.idx = idx
        self.t_id = t_id
        self.now = now
        self.a_cur = _arr("q", n)
        self.a_eff = _arr("q", n)
        self.a_enq = _arr("q", n)
        self.a_slot = _arr("i", n)
        self.a_heap = _arr("i", n)
        self.cur = self.a_cur.data.as_longlongs
        self.eff = self.a_eff.data.as_longlongs
        self.enq = self.a_enq.data.as_longlongs
        self.slot = self.a_slot.data.as_ints
        self.heap = self.a_heap.data.as_ints
        self.size = 0
        for b in range(n):
            self.cur[b] = idx.st[b].start
            if self.load(b):
                self.heap[self.size] = b
                self.size += 1
        for b in range(self.size // 2 - 1, -1, -1):
            self.sift_down(b)

    cdef bint load(self, int b):
        """Move stream ``b`` to its next valid task and cache its key; False when exhausted."""
        cdef Stream* st = self.idx.st + b
        cdef Entry* ent = self.idx.ent
        cdef long long i = self.cur[b]
        while i < st.end and not _valid(ent + i, st, self.now):
            i += 1
        self.cur[b] = i
        if i >= st.end:
            return False
        self.eff[b] = _eff(ent + i, st, self.now)
        self.enq[b] = ent[i].enq
        self.slot[b] = ent[i].slot
        return True

    cdef inline bint better(self, int a, int b):
        if self.eff[a] != self.eff[b]:
            return self.eff[a] > self.eff[b]
        if self.enq[a] != self.enq[b]:
            return self.enq[a] < self.enq[b]
        return self.t_id[self.slot[a]] < self.t_id[self.slot[b]]

    cdef void sift_down(self, int i):
        cdef int b = self.heap[i], c
        while True:
            c = 2 * i + 1
            if c >= self.size:
                break
            if c + 1 < self.size and self.better(self.heap[c + 1], self.heap[c]):
                c += 1
            if not self.better(self.heap[c], b):
                break
            self.heap[i] = self.heap[c]
            i = c
        self.heap[i] = b

    cdef void advance_top(self):
        """The top stream's head was taken: move it on, or drop it when exhausted."""
        cdef int b = self.heap[0]
        self.cur[b] += 1
        if not self.load(b):
            self.drop_top()
            return
        self.sift_down(0)

    cdef void drop_top(self):
        self.size -= 1
        if self.size > 0:
            self.heap[0] = self.heap[self.size]
            self.sift_down(0)


cdef inline bint _finished(SigC* sig, long long epoch):
    """Whether the signature's remaining tasks are decided without sessions in this pass."""
    if sig.rule < 0:
        return True
    if not sig.has_pref:
        return sig.all_dead == epoch
    if sig.pref_dead != epoch:
        return False
    return sig.fallback != FALLBACK_ANY or sig.all_dead == epoch


cdef inline long long _idle(SigC* sig, Entry* e, Stream* st, long long now, list late,
                            list t_id, long long wake) except? -2:
    """Decide a task without sessions: no rule fails, a hold waits, a FAIL fallback fails.

    Failures are collected with their order key; the caller sorts them into pass order.
    """
    cdef long long until
    if sig.rule >= 0:
        if not sig.has_pref:
            return wake
        until = e.enq + sig.hold_ms
        if now < until:
            return until if wake < 0 or until < wake else wake
        if sig.fallback != FALLBACK_FAIL:
            return wake
    late.append((-_eff(e, st, now), e.enq, t_id[e.slot]))
    return wake


def match(state, long long now_ms):
    """One pass at ``now_ms``; returns Decisions and leaves the state unchanged.

    Same contract and results as ``architect.routing.matcher_py.match``.
    """
    cdef _Index idx = _sync(state)
    cdef long long now = now_ms
    cdef Py_ssize_t n_s = len(state.s_id), s, c, k, i
    cdef int f_s, slot, winner, b
    cdef _Fleet fleet
    cdef array.array a_free = _arr("i", n_s), a_skey = _arr("q", n_s), a_pos = _arr("i", n_s)
    cdef array.array a_heap = _arr("i", len(idx.members))
    cdef array.array a_cls = _arr("q", 3 * idx.n_classes)  # ClassC is 3 x 8 bytes
    cdef array.array cap = state.s_capacity, act = state.s_active, acc = state.s_accepting
    cdef array.array lra = state.s_lra, enq_a = state.t_enq
    cdef long long* t_enq = enq_a.data.as_longlongs
    cdef int* members = idx.members.data.as_ints
    cdef int* mstart = idx.mstart.data.as_ints
    cdef ClassC* cc
    fleet.free = a_free.data.as_ints
    fleet.skey = a_skey.data.as_longlongs
    fleet.pos = a_pos.data.as_ints
    fleet.cls = idx.s_cls.data.as_ints
    fleet.rank = idx.s_rank.data.as_longlongs
    fleet.heap = a_heap.data.as_ints
    fleet.classes = <ClassC*>a_cls.data.as_longlongs
    fleet.cand = idx.cand.data.as_ints
    fleet.cand_pref = idx.cand_pref.data.as_schars
    fleet.prefs = idx.prefs.data.as_ints
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
        cc = fleet.classes + c
        cc.start = mstart[c]
        k = 0
        for i in range(mstart[c], mstart[c + 1]):
            s = members[i]
            if fleet.free[s] > 0:
                fleet.heap[cc.start + k] = s
                k += 1
        cc.size = k
        for i in range(k // 2 - 1, -1, -1):
            _sift_down(fleet.heap + cc.start, fleet.pos, fleet.skey, k, i)
        _retop(&fleet, cc)

    idx.epoch += 1
    cdef long long epoch = idx.epoch
    cdef _Heads heads = _Heads()
    heads.init(idx, now, state.t_id)
    out = Decisions()
    cdef list task_ids = out.task_ids, session_ids = out.session_ids, late = []
    cdef list t_id = state.t_id, s_id = state.s_id, sig_list = idx.sig_list
    cdef SigC* sig
    cdef long long wake = -1, until, e
    cdef Entry* ent = idx.ent
    cdef Entry* entry
    cdef Stream* stream
    while fleet.total_free > 0 and heads.size > 0:
        b = heads.heap[0]
        entry = ent + heads.cur[b]
        stream = idx.st + b
        sig = idx.sc + entry.sig
        slot = entry.slot
        if _finished(sig, epoch):
            if not idx.per_sig:
                wake = _idle(sig, entry, stream, now, late, t_id, wake)
                heads.advance_top()
                continue
            # The stream holds only this signature: decide its remainder and drop it.
            if sig.rule < 0 or sig.has_pref:
                for i in range(heads.cur[b], stream.end):
                    if _valid(ent + i, stream, now):
                        wake = _idle(sig, ent + i, stream, now, late, t_id, wake)
            heads.drop_top()
            continue
        e = heads.eff[b]
        heads.advance_top()
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
                    late.append((-e, t_enq[slot], t_id[slot]))
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
    # No capacity left: each stream's remainder is decided task by task, without merging.
    if idx.needs_tail:
        for k in range(heads.size):
            b = heads.heap[k]
            stream = idx.st + b
            for i in range(heads.cur[b], stream.end):
                entry = ent + i
                if _valid(entry, stream, now):
                    wake = _idle(idx.sc + entry.sig, entry, stream, now, late, t_id, wake)
    late.sort()
    out.failed = [t[2] for t in late]
    out.wake_at_ms = None if wake < 0 else wake
    return out
