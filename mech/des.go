package mech

import (
	"crypto/rand"
	"math/bits"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// DES keys: single DES (8 bytes, legacy: its 56-bit key falls to brute
// force), two-key and three-key Triple DES (16 and 24 bytes). The key type
// fixes the length, so the templates give no CKA_VALUE_LEN.
func init() {
	for _, k := range []struct {
		mech   ck.MechanismType
		kt     ck.KeyType
		size   uint
		legacy bool
	}{
		{ck.CKM_DES_KEY_GEN, ck.CKK_DES, 8, true},
		{ck.CKM_DES2_KEY_GEN, ck.CKK_DES2, 16, false},
		{ck.CKM_DES3_KEY_GEN, ck.CKK_DES3, 24, false},
	} {
		register(&Mechanism{
			Type:     k.mech,
			Info:     Info{k.size, k.size, ck.CKF_GENERATE},
			KeyTypes: []ck.KeyType{k.kt},
			Legacy:   k.legacy,
			GenerateKey: func(Param, object.Template) (object.Template, error) {
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
