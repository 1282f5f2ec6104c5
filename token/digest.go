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
	return m.update(h, opDigest, data)
}

// DigestKey adds a secret key's value to a multi-part digest
// (C_DigestKey); other objects are refused with CKR_KEY_INDIGESTIBLE.
// A sensitive key may be digested, as the spec allows and clients
// (pkcs11test's DigestKey) expect.
func (m *Module) DigestKey(h ck.SessionHandle, key ck.ObjectHandle) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	feed, err := s.updater(opDigest)
	if err != nil {
		return err
	}
	v, err := s.digestibleKey(key)
	if err == nil {
		err = feed(v)
	}
	if err != nil {
		s.end(opDigest)
	}
	return err
}

// digestibleKey returns the value of a secret key that C_DigestKey may
// digest.
func (s *Session) digestibleKey(key ck.ObjectHandle) ([]byte, error) {
	obj, err := s.visibleObject(key, ck.CKR_KEY_HANDLE_INVALID)
	if err != nil {
		return nil, err
	}
	v, ok := obj.Key().([]byte)
	if !ok || obj.Class() != ck.CKO_SECRET_KEY {
		return nil, ck.Errorf(ck.CKR_KEY_INDIGESTIBLE, "only secret keys can be digested, not a %v", obj.Class())
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
