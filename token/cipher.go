package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// cipherOp is an encryption or a decryption in progress.
type cipherOp struct {
	stage
	c          mech.Cipher
	singlePart bool // the mechanism refuses the Update functions
	authGate        // decryptions with a CKA_ALWAYS_AUTHENTICATE key
}

// EncryptInit starts an encryption (C_EncryptInit) with a secret key or
// a public key that has CKA_ENCRYPT.
func (m *Module) EncryptInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle) error {
	return m.keyOpInit(h, mc, key, opEncrypt, ck.CKF_ENCRYPT, ck.CKA_ENCRYPT,
		func(mm *mech.Mechanism, obj *object.Object) (operation, error) {
			c, err := mm.NewEncrypter(obj.Key(), mc.Param)
			if err != nil {
				return nil, err
			}
			return &cipherOp{c: c, singlePart: mm.SinglePart}, nil
		})
}

// Encrypt encrypts data in one part into out and returns the length of
// the ciphertext (C_Encrypt). A nil out asks for the length only.
func (m *Module) Encrypt(h ck.SessionHandle, data, out []byte) (int, error) {
	return m.cipherStep(h, opEncrypt, singlePart, data, out)
}

// EncryptUpdate encrypts a part of a multi-part encryption into out and
// returns the length written (C_EncryptUpdate).
func (m *Module) EncryptUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.cipherStep(h, opEncrypt, update, part, out)
}

// EncryptFinal finishes a multi-part encryption into out (C_EncryptFinal).
func (m *Module) EncryptFinal(h ck.SessionHandle, out []byte) (int, error) {
	return m.cipherStep(h, opEncrypt, final, nil, out)
}

// DecryptInit starts a decryption (C_DecryptInit) with a secret key or a
// private key that has CKA_DECRYPT.
func (m *Module) DecryptInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle) error {
	return m.keyOpInit(h, mc, key, opDecrypt, ck.CKF_DECRYPT, ck.CKA_DECRYPT,
		func(mm *mech.Mechanism, obj *object.Object) (operation, error) {
			c, err := mm.NewDecrypter(obj.Key(), mc.Param)
			if err != nil {
				return nil, err
			}
			return &cipherOp{c: c, singlePart: mm.SinglePart, authGate: newAuthGate(obj)}, nil
		})
}

// Decrypt decrypts data in one part into out and returns the length of
// the plaintext (C_Decrypt). A nil out asks for a length that suffices.
func (m *Module) Decrypt(h ck.SessionHandle, data, out []byte) (int, error) {
	return m.cipherStep(h, opDecrypt, singlePart, data, out)
}

// DecryptUpdate decrypts a part of a multi-part decryption into out and
// returns the length written (C_DecryptUpdate).
func (m *Module) DecryptUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.cipherStep(h, opDecrypt, update, part, out)
}

// DecryptFinal finishes a multi-part decryption into out (C_DecryptFinal).
func (m *Module) DecryptFinal(h ck.SessionHandle, out []byte) (int, error) {
	return m.cipherStep(h, opDecrypt, final, nil, out)
}

// cipherStep runs one call of form f on session h's cipher operation of
// kind k. The operation ends when the call finishes it or fails with
// anything but CKR_BUFFER_TOO_SMALL.
func (m *Module) cipherStep(h ck.SessionHandle, k opKind, f form, in, out []byte) (int, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := active[*cipherOp](s, k)
	if err != nil {
		return 0, err
	}
	in, release := separate(in, out)
	defer release()
	n, done, err := op.step(f, in, out)
	if done || (err != nil && ck.ToRV(err) != ck.CKR_BUFFER_TOO_SMALL) {
		s.end(k)
	}
	return n, err
}

// step runs one call of form f, and reports whether it finished the
// operation. Update lengths are exact, so an Update with a short buffer
// is refused before anything is processed. A final step may know its
// exact length only by computing it (padding, RSA): with a buffer
// shorter than the bound it computes on a copy of the state, so that
// CKR_BUFFER_TOO_SMALL loses nothing.
func (op *cipherOp) step(f form, in, out []byte) (n int, done bool, err error) {
	if err := op.enterWith(f, op.singlePart); err != nil {
		return 0, true, err
	}
	n = op.c.OutLen(len(in), f != update)
	if out == nil {
		op.output(f, nil, n)
		return n, false, nil
	}
	if err := op.checkAuth(); err != nil {
		return 0, true, err
	}
	if f == update {
		if len(out) < n {
			return n, false, ck.CKR_BUFFER_TOO_SMALL
		}
		res, err := op.c.Update(out[:0], in)
		return landed(out, res), false, err
	}
	if len(out) >= n {
		res, err := op.c.Final(out[:0], in)
		return landed(out, res), true, err
	}
	res, err := op.c.Clone().Final(nil, in)
	defer clear(res)
	switch {
	case err != nil:
		return 0, true, err
	case len(res) > len(out):
		_, err := op.output(f, out, len(res))
		return len(res), false, err
	}
	return copy(out, res), true, nil
}

// landed makes sure a cipher's output res, appended to out[:0], is in
// out, and returns its length: a cipher that outgrew out's capacity
// while working (within the bound it gave) returned a new slice.
func landed(out, res []byte) int {
	if len(res) > 0 && &res[0] != &out[0] {
		copy(out, res)
	}
	return len(res)
}
