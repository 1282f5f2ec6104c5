package mech

import (
	"crypto/rand"
	"math/bits"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// Triple DES keys: two-key (16 bytes) and three-key (24 bytes), whose
// length the key type fixes, so the templates give no CKA_VALUE_LEN.
func init() {
	for _, k := range []struct {
		mech ck.MechanismType
		kt   ck.KeyType
		size uint
	}{
		{ck.CKM_DES2_KEY_GEN, ck.CKK_DES2, 16},
		{ck.CKM_DES3_KEY_GEN, ck.CKK_DES3, 24},
	} {
		register(&Mechanism{
			Type:     k.mech,
			Info:     Info{k.size, k.size, ck.CKF_GENERATE},
			KeyTypes: []ck.KeyType{k.kt},
			GenerateKey: func([]byte, object.Template) (object.Template, error) {
				v := make([]byte, k.size)
				rand.Read(v)
				setDESParity(v)
				return secretMaterial(k.kt, v), nil
			},
		})
	}
}

// setDESParity gives each byte of a DES key odd parity, in its low bit,
// as DES key generation must (FIPS 46-3).
func setDESParity(key []byte) {
	for i, b := range key {
		b &^= 1
		if bits.OnesCount8(b)%2 == 0 {
			b |= 1
		}
		key[i] = b
	}
}
