package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// findOp is a search in progress: the matching handles, taken when the
// search starts, and how many were returned.
type findOp struct {
	handles []ck.ObjectHandle
	next    int
}

// busy: a search is never replaced, it ends with C_FindObjectsFinal.
func (*findOp) busy() bool { return true }

// FindObjectsInit starts a search for objects matching tmpl exactly; an
// empty template finds every object the application can see
// (C_FindObjectsInit).
func (m *Module) FindObjectsInit(h ck.SessionHandle, tmpl object.Template) error {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return err
	}
	// The first search reads the token's objects, before the session is
	// locked: no lock is held across the read. A search already active
	// is refused first, as it is on a loaded token.
	if !t.loaded.Load() {
		if err := s.start(opFind); err != nil {
			return err
		}
		s.mu.Unlock()
		if err := t.ensureLoaded(); err != nil {
			return err
		}
	}
	if err := s.start(opFind); err != nil {
		return err
	}
	defer s.mu.Unlock()
	op := &findOp{}
	if q, ok := object.NewQuery(tmpl); ok {
		t.mu.RLock()
		for _, e := range t.objects.find(q, t.visibleLocked) {
			op.handles = append(op.handles, e.handle)
		}
		t.mu.RUnlock()
	}
	s.ops[opFind] = op
	return nil
}

// FindObjects returns up to limit further handles of the search (C_FindObjects).
func (m *Module) FindObjects(h ck.SessionHandle, limit int) ([]ck.ObjectHandle, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	op, err := active[*findOp](s, opFind)
	if err != nil {
		return nil, err
	}
	n := min(max(limit, 0), len(op.handles)-op.next)
	out := op.handles[op.next : op.next+n]
	op.next += n
	return out, nil
}

// FindObjectsFinal ends the search (C_FindObjectsFinal).
func (m *Module) FindObjectsFinal(h ck.SessionHandle) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := active[*findOp](s, opFind); err != nil {
		return err
	}
	s.end(opFind)
	return nil
}
