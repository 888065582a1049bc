# Included by _matcher.pyx: the index the compiled matcher keeps on the state.
#
# It is derived from MatcherState and brought up to date at the start of each
# pass: rebuilt when the rules change, its session classes rebuilt when the
# fleet changes (sessions join, leave or change labels), and new tasks merged
# into the ordered streams. Load (active counts, accepting, last assignment)
# is read from the state on every pass and needs no index work.


from architect.routing.tables import NO_CAP


cdef class _Index:
    cdef public long long rules_version, fleet_version, epoch
    cdef public list streams, sig_list
    cdef public dict sigs
    cdef public array.array t_sig, s_cls, s_rank, members, mstart
    cdef public int n_classes
    cdef public list class_info
    cdef public dict label_classes

    def __init__(self, state):
        self.rules_version = state.rules_version
        self.fleet_version = -1
        self.epoch = 0
        self.streams = []
        self.sigs = {}
        self.sig_list = []
        self.t_sig = _arr("i", len(state.t_id))
        self.rebuild_fleet(state)
        self.add_tasks(state, state.live_tasks())

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
            bit = 0
            while labels:
                if labels & 1:
                    self.label_classes.setdefault(bit, set()).add(c)
                labels >>= 1
                bit += 1
        for sig in self.sig_list:
            self._candidates(state, sig)
        self.fleet_version = state.fleet_version

    def _candidates(self, state, _Sig sig):
        """Fill ``sig``'s candidate classes, their preferred flags and its preferred slots."""
        if sig.rule < 0:
            return
        cdef int r = sig.rule
        rule_bit = 1 << r
        _rule, req, pref, failed = sig.key
        found = None
        bit = 0
        while req:
            if req & 1:
                have = self.label_classes.get(bit, set())
                found = set(have) if found is None else found & have
                if not found:
                    break
            req >>= 1
            bit += 1
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
            self._give_streams(state, sig)
            self.sigs[key] = sig
            self.sig_list.append(sig)
        return sig.sid

    def _give_streams(self, state, _Sig sig):
        per_ms = cap = 0
        if sig.rule >= 0:
            rule = state.rules.rules[sig.rule]
            per_ms, cap = rule.aging_per_ms, rule.aging_cap
        sig.growing = _Stream(False, per_ms, cap, sig.sid, len(self.streams))
        self.streams.append(sig.growing)
        # Without a cap (NO_CAP is beyond any reachable bonus) a task never leaves
        # the growing side, so the signature needs no capped stream.
        if per_ms > 0 and cap < NO_CAP:
            sig.capped = _Stream(True, per_ms, cap, sig.sid, len(self.streams))
            self.streams.append(sig.capped)

    def add_tasks(self, state, slots):
        """Give new task slots a signature and merge them into their streams."""
        cdef Py_ssize_t n = len(state.t_id)
        if len(self.t_sig) < n:
            array.resize(self.t_sig, n)
        pending = {}
        seen = set()
        t_id = state.t_id
        cdef _Sig sig
        for slot in slots:
            if slot in seen or not state.t_live[slot]:
                continue
            seen.add(slot)
            sig = <_Sig>self.sig_list[self._sig_of(state, slot)]
            self.t_sig.data.as_ints[slot] = sig.sid
            serial = state.t_serial[slot]
            enq = state.t_enq[slot]
            tid = t_id[slot]
            if sig.rule < 0:
                pending.setdefault(sig.growing, []).append((0, enq, tid, slot, serial))
                continue
            p = state.t_priority[slot]
            per_ms = sig.growing.per_ms
            pending.setdefault(sig.growing, []).append(
                (-(p * POINT - per_ms * enq), enq, tid, slot, serial)
            )
            if sig.capped is not None:
                pending.setdefault(sig.capped, []).append((-p, enq, tid, slot, serial))
        for stream, new in pending.items():
            new.sort()
            (<_Stream>stream).merge(new, t_id, state.t_live, state.t_serial)


cdef _Index _sync(state):
    """The state's index, brought up to date with every change since the last pass."""
    cdef _Index idx = state.native_index
    if idx is None or idx.rules_version != state.rules_version:
        state.new_task_slots.clear()
        idx = _Index(state)
        state.native_index = idx
        return idx
    if idx.fleet_version != state.fleet_version:
        idx.rebuild_fleet(state)
    if state.new_task_slots:
        slots = list(state.new_task_slots)
        state.new_task_slots.clear()
        idx.add_tasks(state, slots)
    return idx


def prepare(state):
    """Bring the state's index up to date now (a pass does it too, first)."""
    _sync(state)
