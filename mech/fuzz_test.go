package mech

import (
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// FuzzSignerInput feeds every signature mechanism any parameter and
// message, as C_SignInit and C_Sign callers may: refusals are PKCS#11
// errors, never panics.
func FuzzSignerInput(f *testing.F) {
	keys()
	f.Add(uint8(0), pssBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), make([]byte, 32))
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
		s, err := m.NewSigner(key, paramFrom(m.Param, param))
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

func pssBytes(h ck.MechanismType, mgf ck.MGF, sLen uint) []byte {
	var b []byte
	for _, v := range []uint{uint(h), uint(mgf), sLen} {
		b = append(b, object.EncodeULong(v)...)
	}
	return b
}

// paramFrom makes a Param of the kind a mechanism takes from fuzz bytes,
// CK_ULONG fields read as the C boundary reads them; a kind the bytes
// cannot fill gets the bytes themselves, which the mechanism must refuse.
func paramFrom(kind ParamKind, b []byte) Param {
	ulong := func(i int) uint {
		if len(b) < (i+1)*object.ULongSize {
			return 0
		}
		v, _ := object.DecodeULong(b[i*object.ULongSize : (i+1)*object.ULongSize])
		return v
	}
	switch kind {
	case NoParam:
		return nil
	case ULongParam:
		return ulong(0)
	case PSSParam:
		return PSSParams{Hash: ck.MechanismType(ulong(0)), MGF: ck.MGF(ulong(1)), SaltLen: ulong(2)}
	}
	return b
}
