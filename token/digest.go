package token

import (
	"hash"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
)

// Mechanism is a CK_MECHANISM: a type and its parameter as the Go type
// the mechanism's mech.ParamKind names (nil for none).
type Mechanism struct {
	Type  ck.MechanismType
	Param mech.Param
}

// digestOp is a digest in progress.
type digestOp struct {
	stage
	h hash.Hash
}

// DigestInit starts a digest (C_DigestInit).
func (m *Module) DigestInit(h ck.SessionHandle, mc Mechanism) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.claim(opDigest); err != nil {
		return err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_DIGEST)
	if err != nil {
		return err
	}
	d, err := mm.NewDigest(mc.Param)
	if err != nil {
		return err
	}
	s.ops[opDigest] = &digestOp{h: d}
	return nil
}

// Digest digests data in one part into out and returns the digest
// length (C_Digest). A nil out asks for the length only.
func (m *Module) Digest(h ck.SessionHandle, data, out []byte) (int, error) {
	return m.digestFinish(h, data, out, singlePart)
}

// DigestUpdate adds data to a multi-part digest (C_DigestUpdate).
func (m *Module) DigestUpdate(h ck.SessionHandle, data []byte) error {
	s, op, err := m.digestUpdate(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op.h.Write(data)
	return nil
}

// DigestKey adds a secret key's value to a multi-part digest
// (C_DigestKey). Keys whose value may not be revealed are refused with
// CKR_KEY_INDIGESTIBLE.
func (m *Module) DigestKey(h ck.SessionHandle, key ck.ObjectHandle) error {
	s, op, err := m.digestUpdate(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	v, err := s.digestibleKey(key)
	if err != nil {
		s.end(opDigest)
		return err
	}
	op.h.Write(v)
	return nil
}

// digestUpdate starts a multi-part step of session h's digest and
// returns the session locked; the caller unlocks s.mu.
func (m *Module) digestUpdate(h ck.SessionHandle) (*Session, *digestOp, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return nil, nil, err
	}
	op, err := active[*digestOp](s, opDigest)
	if err == nil {
		err = op.enter(update)
		if err != nil {
			s.end(opDigest)
		}
	}
	if err != nil {
		s.mu.Unlock()
		return nil, nil, err
	}
	return s, op, nil
}

// digestibleKey returns the value of a secret key that C_DigestKey may
// digest.
func (s *Session) digestibleKey(key ck.ObjectHandle) ([]byte, error) {
	t := s.token
	t.mu.RLock()
	e, err := t.objectLocked(key)
	t.mu.RUnlock()
	if err != nil {
		return nil, ck.Errorf(ck.CKR_KEY_HANDLE_INVALID, "object %d", key)
	}
	v, ok := e.obj.Key().([]byte)
	if !ok || e.obj.Class() != ck.CKO_SECRET_KEY {
		return nil, ck.Errorf(ck.CKR_KEY_INDIGESTIBLE, "only secret keys can be digested, not a %v", e.obj.Class())
	}
	return v, nil
}

// DigestFinal finishes a multi-part digest into out (C_DigestFinal).
func (m *Module) DigestFinal(h ck.SessionHandle, out []byte) (int, error) {
	return m.digestFinish(h, nil, out, final)
}

func (m *Module) digestFinish(h ck.SessionHandle, data, out []byte, f form) (int, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := active[*digestOp](s, opDigest)
	if err != nil {
		return 0, err
	}
	if err := op.enter(f); err != nil {
		s.end(opDigest)
		return 0, err
	}
	n := op.h.Size()
	if done, err := op.output(f, out, n); done {
		return n, err
	}
	op.h.Write(data)
	op.h.Sum(out[:0])
	s.end(opDigest)
	return n, nil
}
