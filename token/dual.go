package token

import "github.com/corepkcs11/corepkcs11/ck"

// The dual-function calls (base spec 5.13) run an encryption or
// decryption update and a digest, signature or verification update on
// the same data in one call: the plaintext, which is the input of an
// encryption and the output of a decryption.

// DigestEncryptUpdate digests and encrypts a part (C_DigestEncryptUpdate).
func (m *Module) DigestEncryptUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.dualUpdate(h, opEncrypt, opDigest, part, out)
}

// DecryptDigestUpdate decrypts a part and digests the plaintext
// (C_DecryptDigestUpdate).
func (m *Module) DecryptDigestUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.dualUpdate(h, opDecrypt, opDigest, part, out)
}

// SignEncryptUpdate signs and encrypts a part (C_SignEncryptUpdate).
func (m *Module) SignEncryptUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.dualUpdate(h, opEncrypt, opSign, part, out)
}

// DecryptVerifyUpdate decrypts a part and adds the plaintext to a
// verification (C_DecryptVerifyUpdate).
func (m *Module) DecryptVerifyUpdate(h ck.SessionHandle, part, out []byte) (int, error) {
	return m.dualUpdate(h, opDecrypt, opVerify, part, out)
}

// dualUpdate runs an update of the cipher operation of kind k and feeds
// the plaintext to the operation of kind other. Both must be active. A
// length query or CKR_BUFFER_TOO_SMALL processes nothing; an error ends
// the operation it came from.
func (m *Module) dualUpdate(h ck.SessionHandle, k, other opKind, in, out []byte) (int, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := active[*cipherOp](s, k)
	if err != nil {
		return 0, err
	}
	feed, err := s.updater(other)
	if err != nil {
		return 0, err
	}
	in, release := separate(in, out)
	defer release()
	n, _, err := op.step(update, in, out)
	if err != nil {
		if ck.ToRV(err) != ck.CKR_BUFFER_TOO_SMALL {
			s.end(k)
		}
		return n, err
	}
	if out == nil {
		return n, nil
	}
	plain := in
	if k == opDecrypt {
		plain = out[:n]
	}
	if err := feed(plain); err != nil {
		s.end(other)
		return 0, err
	}
	return n, nil
}
