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

// FindObjectsInit starts a search for objects matching tmpl exactly; an
// empty template finds every object the application can see
// (C_FindObjectsInit).
func (m *Module) FindObjectsInit(h ck.SessionHandle, tmpl object.Template) error {
	s, err := m.startOp(h, func(s *Session) error {
		if s.find != nil {
			return ck.CKR_OPERATION_ACTIVE
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op := &findOp{}
	if q, ok := object.NewQuery(tmpl); ok {
		t := s.token
		t.mu.RLock()
		for _, e := range t.objects.find(q, t.visibleLocked) {
			op.handles = append(op.handles, e.handle)
		}
		t.mu.RUnlock()
	}
	s.find = op
	return nil
}

// FindObjects returns up to limit further handles of the search (C_FindObjects).
func (m *Module) FindObjects(h ck.SessionHandle, limit int) ([]ck.ObjectHandle, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	op := s.find
	if op == nil {
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
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
	if s.find == nil {
		return ck.CKR_OPERATION_NOT_INITIALIZED
	}
	s.find = nil
	return nil
}
