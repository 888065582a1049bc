# Included by _matcher.pyx: the index the compiled matcher keeps on the state.
#
# It is derived from MatcherState and brought up to date at the start of each
# pass: rebuilt when the rules change, its session classes rebuilt when the
# fleet changes (sessions join, leave or change labels), and new tasks merged
# into the ordered streams. Load (active counts, accepting, last assignment)
# is read from the state on every pass and needs no index work.


from architect.routing.tables import NO_CAP


#: Up to this many signatures each has its own streams, so a pass can drop a signature
#: that found no session in one step; beyond it a heap over that many streams costs
#: more than visiting every task, and tasks share one stream pair per aging class.
cdef int PER_SIG_LIMIT = 512


def _bits(mask):
    """Positions of the set bits of a Python int, lowest first, in O(set bits)."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


cdef class _Index:
    cdef public long long rules_version, fleet_version, epoch
    cdef public list sig_list
    cdef public dict sigs, class_streams
    cdef public array.array s_cls, s_rank, members, mstart, t_pos_g, t_pos_c
    cdef public int n_classes
    cdef public list class_info
    cdef public dict label_classes
    # All streams' entries in one buffer, stream by stream (see Stream.start/end).
    cdef Entry* ent
    cdef long long n_ent
    cdef Stream* st
    cdef int n_st, cap_st
    # Packed signatures (rebuilt when signatures or the fleet change).
    cdef SigC* sc
    cdef int n_sc
    cdef public bint sigs_dirty, needs_tail, per_sig
    cdef public array.array cand, cand_pref, prefs

    def __cinit__(self):
        self.ent = NULL
        self.st = NULL
        self.sc = NULL
        self.n_ent = self.n_st = self.cap_st = self.n_sc = 0

    def __dealloc__(self):
        free(self.ent)
        free(self.st)
        free(self.sc)

    cdef int pack_sigs(self) except -1:
        """Copy every signature's hot fields and candidates into flat C arrays."""
        cdef Py_ssize_t n = len(self.sig_list), k
        cdef SigC* sc = <SigC*>realloc(self.sc, max(n, 1) * sizeof(SigC))
        cdef _Sig sig
        if sc == NULL:
            raise MemoryError()
        self.sc = sc
        self.n_sc = n
        cand = pyarray.array("i")
        cand_pref = pyarray.array("b")
        prefs = pyarray.array("i")
        self.needs_tail = False
        for k in range(n):
            sig = <_Sig>self.sig_list[k]
            # Only tasks without a rule or with preferences have outcomes beyond waiting.
            self.needs_tail |= sig.rule < 0 or sig.has_pref
            memset(sc + k, 0, sizeof(SigC))
            sc[k].pref_dead = sc[k].all_dead = -1
            sc[k].hold_ms = sig.hold_ms
            sc[k].rule = sig.rule
            sc[k].has_pref = sig.has_pref
            sc[k].task_pref = sig.task_pref
            sc[k].fallback = sig.fallback
            sc[k].excl_slot = sig.excl_slot
            sc[k].cand_off = len(cand)
            sc[k].cand_len = len(sig.classes)
            sc[k].pref_off = len(prefs)
            sc[k].pref_len = len(sig.pref_slots)
            cand.extend(sig.classes)
            cand_pref.extend(sig.class_pref)
            prefs.extend(sig.pref_slots)
        self.cand, self.cand_pref, self.prefs = cand, cand_pref, prefs
        self.sigs_dirty = False
        return 0

    def __init__(self, state):
        self.rules_version = state.rules_version
        self.fleet_version = -1
        self.epoch = 0
        self.sigs = {}
        self.class_streams = {}
        self.per_sig = True
        self.sig_list = []
        self.t_pos_g = _arr("q", 0)
        self.t_pos_c = _arr("q", 0)
        self.rebuild_fleet(state)
        self.add_tasks(state, state.live_tasks())

    @property
    def stream_sizes(self):
        """Entries per stream, live or not (for tests and diagnostics)."""
        return [self.st[b].end - self.st[b].start for b in range(self.n_st)]

    def rebuild_fleet(self, state):
        """Regroup sessions into classes and recompute every signature's candidates."""
        cdef Py_ssize_t n = len(state.s_id)
        self.s_cls = _arr("i", n)
        self.s_rank = _arr("q", n)
        live = [s for s in range(n) if state.s_live[s]]
        for rank, s in enumerate(sorted(live, key=lambda s: state.s_id[s])):
            self.s_rank.data.as_longlongs[s] = rank
        keys = {}
        groups = []
        for s in range(n):
            self.s_cls.data.as_ints[s] = -1
            if not state.s_live[s] or state.s_global_excl[s]:
                continue
            key = (state.s_labels[s], state.s_provider[s], state.s_pref_rules[s], state.s_excl_rules[s])
            c = keys.get(key)
            if c is None:
                c = keys[key] = len(groups)
                groups.append([])
            groups[c].append(s)
            self.s_cls.data.as_ints[s] = c
        self.n_classes = len(groups)
        self.class_info = list(keys)
        self.mstart = _arr("i", len(groups) + 1)
        self.members = _arr("i", len(live))
        k = 0
        for c, group in enumerate(groups):
            self.mstart.data.as_ints[c] = k
            for s in group:
                self.members.data.as_ints[k] = s
                k += 1
        self.mstart.data.as_ints[len(groups)] = k
        self.label_classes = {}
        for c, (labels, _p, _pr, _ex) in enumerate(self.class_info):
            for bit in _bits(labels):
                self.label_classes.setdefault(bit, set()).add(c)
        for sig in self.sig_list:
            self._candidates(state, sig)
        self.sigs_dirty = True
        self.fleet_version = state.fleet_version

    def _candidates(self, state, _Sig sig):
        """Fill ``sig``'s candidate classes, their preferred flags and its preferred slots."""
        if sig.rule < 0:
            return
        cdef int r = sig.rule
        rule_bit = 1 << r
        _rule, req, pref, failed = sig.key
        found = None
        for bit in _bits(req):
            have = self.label_classes.get(bit, set())
            found = set(have) if found is None else found & have
            if not found:
                break
        cands = range(self.n_classes) if found is None else sorted(found)
        allowed = state.rule_providers[r]
        chosen = [
            c for c in cands
            if allowed >> self.class_info[c][1] & 1 and not self.class_info[c][3] & rule_bit
        ]
        sig.classes = pyarray.array("i", chosen)
        sig.class_pref = pyarray.array(
            "b", [0 if pref is not None else bool(self.class_info[c][2] & rule_bit) for c in chosen]
        )
        sig.excl_slot = -1
        if failed is not None:
            sig.excl_slot = state.session_slot.get(failed, -1)
        slots = []
        if pref is not None:
            chosen_set = set(chosen)
            for name in pref:
                s = state.name_slot.get(name)
                if s is not None and s != sig.excl_slot and self.s_cls[s] in chosen_set:
                    slots.append(s)
        sig.pref_slots = pyarray.array("i", sorted(slots))

    cdef int _sig_of(self, state, int slot):
        cdef int r = state.t_rule[slot]
        if r < 0:
            key = (-1, 0, None, None)
        else:
            rule = state.rules.rules[r]
            failed = state.t_failed[slot] if rule.retry_elsewhere else None
            key = (r, state.t_req[slot], state.t_pref[slot], failed)
        cdef _Sig sig = self.sigs.get(key)
        if sig is None:
            if r < 0:
                sig = _Sig(key, -1, 0, 0, False, False)
            else:
                task_pref = key[2] is not None
                sig = _Sig(key, r, int(rule.fallback), rule.hold_ms,
                           task_pref or bool(rule.preferred), task_pref)
                self._candidates(state, sig)
            sig.sid = len(self.sig_list)
            self.sigs_dirty = True
            self._give_streams(state, sig)
            self.sigs[key] = sig
            self.sig_list.append(sig)
        return sig.sid

    cdef int _new_stream(self, bint capped, long long per_ms, long long cap) except -1:
        cdef Stream* st
        if self.n_st == self.cap_st:
            self.cap_st = max(16, 2 * self.cap_st)
            st = <Stream*>realloc(self.st, self.cap_st * sizeof(Stream))
            if st == NULL:
                raise MemoryError()
            self.st = st
        st = self.st + self.n_st
        memset(st, 0, sizeof(Stream))
        st.start = st.end = self.n_ent
        st.per_ms = per_ms
        st.cap = cap
        st.age_sat = (cap + per_ms - 1) // per_ms if per_ms > 0 else 0
        st.capped = capped
        self.n_st += 1
        return self.n_st - 1

    cdef int _give_streams(self, state, _Sig sig) except -1:
        """Point ``sig`` at its streams: its own, or its aging class's (see PER_SIG_LIMIT)."""
        per_ms = cap = 0
        if sig.rule >= 0:
            rule = state.rules.rules[sig.rule]
            per_ms, cap = rule.aging_per_ms, rule.aging_cap
        if per_ms == 0:
            cap = 0  # without aging the cap is irrelevant; tasks without a rule share it too
        key = sig.sid if self.per_sig else (per_ms, cap)
        got = self.class_streams.get(key)
        if got is None:
            growing = self._new_stream(False, per_ms, cap)
            capped = -1
            # Without a cap (NO_CAP is beyond any reachable bonus) a task never leaves
            # the growing side, so the class needs no capped stream.
            if per_ms > 0 and cap < NO_CAP:
                capped = self._new_stream(True, per_ms, cap)
            got = self.class_streams[key] = (growing, capped)
        sig.growing, sig.capped = got
        return 0

    def remove_tasks(self, removed):
        """Mark the entries of removed tasks dead, found through their recorded positions."""
        cdef long long pos, n_pos = len(self.t_pos_g)
        cdef long long* g = self.t_pos_g.data.as_longlongs
        cdef long long* c = self.t_pos_c.data.as_longlongs
        cdef int slot
        cdef long long serial
        for slot, serial in removed:
            if slot >= n_pos:
                continue
            for pos in (g[slot], c[slot]):
                if 0 <= pos < self.n_ent and self.ent[pos].slot == slot \
                        and self.ent[pos].serial == serial:
                    self.ent[pos].slot = -1

    def add_tasks(self, state, slots):
        """Give new task slots a signature and merge them into their streams."""
        cdef Py_ssize_t n = len(state.t_id), old = len(self.t_pos_g)
        if old < n:
            array.resize(self.t_pos_g, n)
            array.resize(self.t_pos_c, n)
            for i in range(old, n):
                self.t_pos_g.data.as_longlongs[i] = -1
                self.t_pos_c.data.as_longlongs[i] = -1
        cdef int* t_sig
        fresh = []
        seen = set()
        for slot in slots:
            if slot in seen or not state.t_live[slot]:
                continue
            seen.add(slot)
            fresh.append((slot, self._sig_of(state, slot)))
        if self.per_sig and len(self.sig_list) > PER_SIG_LIMIT:
            # Too many signatures for a heap of per-signature streams: regroup every
            # task into one stream pair per aging class instead.
            self.per_sig = False
            self.class_streams = {}
            self.n_st = 0
            self.n_ent = 0
            for sig in self.sig_list:
                self._give_streams(state, sig)
            fresh = [(slot, self._sig_of(state, slot)) for slot in state.live_tasks()]
        pending = {}
        t_id = state.t_id
        cdef _Sig g
        for slot, sid in fresh:
            g = <_Sig>self.sig_list[sid]
            serial = state.t_serial[slot]
            enq = state.t_enq[slot]
            tid = t_id[slot]
            if g.rule < 0:
                pending.setdefault(g.growing, []).append((0, enq, tid, slot, serial, sid))
                continue
            p = state.t_priority[slot]
            per_ms = self.st[g.growing].per_ms
            pending.setdefault(g.growing, []).append(
                (-(p * POINT - per_ms * enq), enq, tid, slot, serial, sid)
            )
            if g.capped >= 0:
                pending.setdefault(g.capped, []).append((-p, enq, tid, slot, serial, sid))
        for new in pending.values():
            new.sort()
        if pending:
            self._merge(pending, t_id)

    cdef void _merge(self, dict pending, list t_id) except *:
        """Rebuild the entry buffer: each stream's live entries merged with its new ones."""
        cdef long long total = self.n_ent + sum(len(v) for v in pending.values())
        cdef Entry* out = <Entry*>malloc(max(total, 1) * sizeof(Entry))
        if out == NULL:
            raise MemoryError()
        cdef long long k = 0, i, e0
        cdef Py_ssize_t j, m
        cdef int b
        cdef Stream* st
        cdef Entry* old = self.ent
        cdef long long* pos
        cdef list new
        cdef tuple e = None
        cdef long long e_key = 0, e_enq = 0
        cdef bint take_old
        for b in range(self.n_st):
            st = self.st + b
            pos = (self.t_pos_c if st.capped else self.t_pos_g).data.as_longlongs
            new = pending.get(b)
            m = 0 if new is None else len(new)
            i = st.start
            e0 = st.end
            st.start = k
            j = 0
            if m:
                e = new[0]
                e_key = -<long long>e[0]
                e_enq = e[1]
            while i < e0 or j < m:
                if i < e0 and old[i].slot < 0:
                    i += 1
                    continue
                if i >= e0:
                    take_old = False
                elif j >= m:
                    take_old = True
                elif old[i].key != e_key:
                    take_old = old[i].key > e_key
                elif old[i].enq != e_enq:
                    take_old = old[i].enq < e_enq
                else:
                    take_old = t_id[old[i].slot] < e[2]
                if take_old:
                    out[k] = old[i]
                    i += 1
                else:
                    out[k].key = e_key
                    out[k].enq = e_enq
                    out[k].slot = e[3]
                    out[k].serial = e[4]
                    out[k].sig = e[5]
                    j += 1
                    if j < m:
                        e = new[j]
                        e_key = -<long long>e[0]
                        e_enq = e[1]
                pos[out[k].slot] = k
                k += 1
            st.end = k
        free(old)
        self.ent = out
        self.n_ent = k


cdef _Index _sync(state):
    """The state's index, brought up to date with every change since the last pass."""
    cdef _Index idx = state.native_index
    if idx is None or idx.rules_version != state.rules_version:
        state.new_task_slots.clear()
        state.removed_task_slots.clear()
        idx = _Index(state)
        state.native_index = idx
        idx.pack_sigs()
        return idx
    if idx.fleet_version != state.fleet_version:
        idx.rebuild_fleet(state)
    if state.removed_task_slots:
        removed = list(state.removed_task_slots)
        state.removed_task_slots.clear()
        idx.remove_tasks(removed)
    if state.new_task_slots:
        slots = list(state.new_task_slots)
        state.new_task_slots.clear()
        idx.add_tasks(state, slots)
    if idx.sigs_dirty:
        idx.pack_sigs()
    return idx


def set_per_sig_limit(int limit):
    """Change PER_SIG_LIMIT (for tests: 0 forces per-aging-class streams); returns the old one."""
    global PER_SIG_LIMIT
    old, PER_SIG_LIMIT = PER_SIG_LIMIT, limit
    return old


def prepare(state):
    """Bring the state's index up to date now (a pass does it too, first)."""
    _sync(state)
