package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
)

// GenerateRandom fills out with random bytes (C_GenerateRandom).
func (m *Module) GenerateRandom(h ck.SessionHandle, out []byte) error {
	if _, err := m.session(h); err != nil {
		return err
	}
	mech.Random(out)
	return nil
}

// SeedRandom is refused (C_SeedRandom): the token draws from the
// operating system's generator, which takes no seed from applications.
func (m *Module) SeedRandom(h ck.SessionHandle, seed []byte) error {
	if _, err := m.session(h); err != nil {
		return err
	}
	return ck.CKR_RANDOM_SEED_NOT_SUPPORTED
}
