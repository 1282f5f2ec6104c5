package mech

import (
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// FuzzSignerInput feeds every signature mechanism any parameter and
// message, as C_SignInit and C_Sign callers may: refusals are PKCS#11
// errors, never panics.
func FuzzSignerInput(f *testing.F) {
	keys()
	f.Add(uint8(0), pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), make([]byte, 32))
	f.Add(uint8(3), []byte{}, []byte("message"))
	var signers []*Mechanism
	for _, t := range List() {
		if m, _ := Lookup(t); m.NewSigner != nil {
			signers = append(signers, m)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, param, msg []byte) {
		m := signers[int(which)%len(signers)]
		key := any(ecKey)
		if m.Accepts(ck.CKK_RSA) {
			key = rsaKey
		}
		s, err := m.NewSigner(key, param)
		if err != nil {
			if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
				t.Fatalf("%v: %v", m.Type, err)
			}
			return
		}
		if _, err := s.Sign(msg); err != nil && ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
			t.Fatalf("%v: %v", m.Type, err)
		}
	})
}
