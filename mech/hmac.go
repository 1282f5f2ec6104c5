package mech

import (
	"github.com/corepkcs11/corepkcs11/ck"
)

// Generic secret key lengths, in bytes; CK_MECHANISM_INFO gives them in bits.
const (
	minGenericSecret = 1
	maxGenericSecret = 512
)

func init() {
	register(&Mechanism{
		Type:     ck.CKM_GENERIC_SECRET_KEY_GEN,
		Info:     Info{8 * minGenericSecret, 8 * maxGenericSecret, ck.CKF_GENERATE},
		KeyTypes: []ck.KeyType{ck.CKK_GENERIC_SECRET},
		GenerateKey: secretKeyGenerator(ck.CKK_GENERIC_SECRET, func(n uint) bool {
			return n >= minGenericSecret && n <= maxGenericSecret
		}),
	})
}
