package token

import (
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

// Processes share a store; each keeps its tokens and objects in memory and
// brings them up to date from store snapshots. Every write to the store
// advances its generation, and every record carries the generation that
// wrote it, so a process can tell a snapshot's records from the newer ones
// it wrote itself meanwhile, and never goes back to an older state.
//
// A token's objects are read when a call first needs them (a search, or
// storing a token object: see Token.ensureLoaded), not at C_Initialize:
// most of a store is objects, and a process that only logs in, or signs
// with a key it finds, should not pay for reading and decoding every
// object of every token. Until then the token is unloaded: its record is
// kept up to date, and its index holds only session objects, so no
// handle of one of its token objects exists in this process. Once loaded
// it stays loaded until C_Finalize, and every snapshot reads its objects.

// refresh picks up what other processes committed to the store since the
// last call. It is called at the start of functions that read token
// state, so a call sees every change committed before it started. The
// check is one read of the store's generation; only a change costs a
// snapshot.
func (m *Module) refresh() error {
	m.mu.RLock()
	st, ok, applied := m.store, m.initialized, m.applied
	m.mu.RUnlock()
	if !ok {
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	gen, err := st.Generation()
	if err != nil {
		return m.storeFailed(st, err)
	}
	if gen <= applied {
		return nil
	}
	return m.reload(st, false, nil)
}

// ensureLoaded reads the token's objects from the store if no call has
// needed them yet; no lock is held while they are read. The snapshot it
// takes is newer than the start of the calling function, so the call
// sees every object committed before it started.
func (t *Token) ensureLoaded() error {
	if t.loaded.Load() {
		return nil
	}
	return t.m.reload(t.store, true, t)
}

// storeFailed is the CKR for a failure of st: C_Finalize may have closed
// it under a call that started before.
func (m *Module) storeFailed(st store.Store, err error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.initialized || m.store != st {
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
}

// reload reads a snapshot of st and applies it: every token record, and
// the objects of the loaded tokens and of load (nil for none), which is
// then loaded. Reloads run one at a time, so that a change costs one
// snapshot however many calls notice it, and a token's objects are read
// once however many calls need them first; no lock that other calls need
// is held while the store is read. force takes the snapshot even if the
// signal shows no change: a write that lost a compare-and-swap knows
// better.
func (m *Module) reload(st store.Store, force bool, load *Token) error {
	m.reloading.Lock()
	defer m.reloading.Unlock()
	if load != nil && load.loaded.Load() {
		return nil // the reload this one waited for loaded it
	}
	// Which tokens are loaded changes only here, under m.reloading: the
	// snapshot holds the objects of every token loaded when it is applied.
	m.mu.RLock()
	applied := m.applied
	read := make(map[uint]bool, len(m.tokens)+1)
	for id, t := range m.tokens {
		if t.loaded.Load() {
			read[uint(id)] = true
		}
	}
	m.mu.RUnlock()
	if load != nil {
		read[uint(load.slot)] = true
	} else if gen, err := st.Generation(); err != nil {
		return m.storeFailed(st, err)
	} else if gen <= applied && !force {
		return nil // the reload this one waited for brought it up to date
	}
	snap, err := st.Snapshot(func(id uint) bool { return read[id] })
	if err != nil {
		return m.storeFailed(st, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized || m.store != st {
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	m.applyLocked(snap)
	if load != nil && !load.loaded.Load() {
		// Not in the snapshot, or its record did not decode (logged).
		return ck.Errorf(ck.CKR_TOKEN_NOT_PRESENT, "the token in slot %d could not be read from the store", load.slot)
	}
	return nil
}

// applyLocked makes the module's tokens those of snap, and the objects of
// each token whose objects snap holds those of snap; m.mu is held.
func (m *Module) applyLocked(snap store.Snapshot) {
	seen := map[ck.SlotID]bool{}
	for _, rec := range snap.Tokens {
		id := ck.SlotID(rec.ID)
		seen[id] = true
		t, ok := m.tokens[id]
		if !ok {
			var err error
			if t, err = newToken(m, rec); err != nil {
				// One damaged token must not hide the others.
				m.log.Error("loading token", "slot", id, "err", err)
				continue
			}
			m.tokens[id] = t
		}
		t.mu.Lock()
		if objs, read := snap.Objects[rec.ID]; read {
			if t.applyLocked(rec, objs, snap.Generation) {
				t.loaded.Store(true)
			}
		} else {
			t.applyRecordLocked(rec)
		}
		t.mu.Unlock()
	}
	for id, t := range m.tokens {
		if !seen[id] && t.version() <= snap.Generation {
			delete(m.tokens, id)
		}
	}
	m.emptySlot = max(m.emptySlot, ck.SlotID(snap.NextTokenID))
	m.applied = max(m.applied, snap.Generation)
}

// wrote notes a write this process made at generation gen and has already
// applied to memory: when nothing else was written since the last applied
// snapshot, the module is still up to date and needs no snapshot.
func (m *Module) wrote(gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen == m.applied+1 {
		m.applied = gen
	}
}

func (t *Token) version() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rec.Version
}

// applyRecordLocked installs the token's record rec from a snapshot, if
// it is newer than the one in memory, and reports whether the token's
// record is now at least rec's (not if rec does not decode). It is all a
// snapshot changes of a token whose objects are not loaded.
func (t *Token) applyRecordLocked(rec store.Token) bool {
	if rec.Version > t.rec.Version {
		if err := t.setRecordLocked(rec); err != nil {
			t.m.log.Error("token record unreadable", "slot", t.slot, "err", err)
			return false
		}
	}
	return true
}

// applyLocked brings the token up to date with a snapshot taken at
// generation gen: its record rec and its objects objs, and reports
// whether it could (not if the record does not decode). Records this
// process wrote after the snapshot are newer and are kept.
func (t *Token) applyLocked(rec store.Token, objs []store.Object, gen uint64) bool {
	if !t.applyRecordLocked(rec) {
		return false
	}
	present := make(map[string]bool, len(objs))
	for _, r := range objs {
		present[r.UID] = true
		if deleted, ok := t.gone[r.UID]; ok && deleted > r.Version {
			continue
		}
		if cur, ok := t.records[r.UID]; ok && cur.Version >= r.Version {
			continue
		}
		t.records[r.UID] = r
		t.loadLocked(r)
	}
	for uid, r := range t.records {
		if !present[uid] && r.Version <= gen {
			delete(t.records, uid)
			t.dropEntryLocked(uid)
		}
	}
	for uid, deleted := range t.gone {
		if deleted <= gen {
			delete(t.gone, uid)
		}
	}
	t.seen = max(t.seen, gen)
	return true
}

// setRecordLocked installs a newer token record. A new token key (the
// token was re-initialized, here or elsewhere) ends this application's
// login and every object; a rewrap of the same key under another PIN
// (C_SetPIN, C_InitPIN) changes nothing else.
func (t *Token) setRecordLocked(rec store.Token) error {
	env, err := decodeEnvelope(rec.Keys)
	if err != nil {
		return err
	}
	reinitialized := !env.sameKey(t.env)
	t.rec, t.env = rec, env
	if reinitialized {
		if t.sealer != nil {
			t.sealer.wipe()
		}
		t.sealer, t.loggedIn = nil, false
		t.objects, t.byUID, t.records, t.gone = newIndex(), map[string]*entry{}, map[string]store.Object{}, map[string]uint64{}
	}
	return nil
}

// loadLocked decodes one stored object as far as the token key allows
// and puts it in the index, keeping its handle if it is already there. A
// record that does not decode is logged and forgotten, so the next
// snapshot reads it again.
func (t *Token) loadLocked(rec store.Object) {
	obj, err := t.decode(rec)
	if err != nil {
		t.m.log.Error("object unreadable", "slot", t.slot, "uid", rec.UID, "err", err)
		delete(t.records, rec.UID)
		t.dropEntryLocked(rec.UID)
		return
	}
	if obj == nil {
		t.dropEntryLocked(rec.UID) // sealed, readable after login
		return
	}
	if e, ok := t.byUID[rec.UID]; ok {
		t.objects.replace(e, obj)
		return
	}
	e := &entry{handle: t.m.newObjectHandle(), obj: obj, uid: rec.UID}
	t.byUID[rec.UID] = e
	t.objects.add(e)
}

// dropEntryLocked removes a token object's entry from the index.
func (t *Token) dropEntryLocked(uid string) {
	if e, ok := t.byUID[uid]; ok {
		t.objects.remove(e)
		delete(t.byUID, uid)
	}
}

// installLocked puts a token object this process wrote (rec.Version is
// the generation of the write) in place and returns its entry; nil when
// the object is not to be seen: a snapshot already applied is newer and
// no longer has it (another process destroyed it, or re-initialized the
// token), this process destroyed it meanwhile, or it is sealed and a
// logout dropped the token key. A newer version already known wins.
func (t *Token) installLocked(e *entry, rec store.Object) *entry {
	if cur, ok := t.records[rec.UID]; ok {
		if cur.Version >= rec.Version {
			return t.byUID[rec.UID]
		}
	} else if rec.Version <= t.seen || t.gone[rec.UID] >= rec.Version {
		return nil
	}
	t.records[rec.UID] = rec
	if len(rec.Sealed) > 0 && t.sealer == nil {
		t.dropEntryLocked(rec.UID)
		return nil
	}
	if known, ok := t.byUID[rec.UID]; ok {
		t.objects.replace(known, e.obj)
		return known
	}
	e.handle = t.m.newObjectHandle()
	e.uid = rec.UID
	t.byUID[rec.UID] = e
	t.objects.add(e)
	return e
}

// removeLocked forgets a token object this process deleted at
// generation gen.
func (t *Token) removeLocked(uid string, gen uint64) {
	delete(t.records, uid)
	t.dropEntryLocked(uid)
	t.gone[uid] = gen
}

// storeError turns a store failure into the CKR a caller gets: a record
// that changed or vanished meanwhile is another process's deletion, a
// missing token its removal, a reset token its re-initialization;
// anything else is the device's failure.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return ck.Wrap(ck.CKR_OBJECT_HANDLE_INVALID, err)
	case errors.Is(err, store.ErrNotFound):
		return ck.Wrap(ck.CKR_TOKEN_NOT_PRESENT, err)
	case errors.Is(err, store.ErrReset):
		// Another process's C_InitToken ended every login to the token.
		return ck.Wrap(ck.CKR_USER_NOT_LOGGED_IN, err)
	}
	return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
}
