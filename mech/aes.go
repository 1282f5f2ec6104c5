package mech

import (
	"github.com/corepkcs11/corepkcs11/ck"
)

// AES key sizes, in bytes, as CK_MECHANISM_INFO gives them for AES.
const (
	minAESKey = 16
	maxAESKey = 32
)

func init() {
	register(&Mechanism{
		Type:     ck.CKM_AES_KEY_GEN,
		Info:     Info{minAESKey, maxAESKey, ck.CKF_GENERATE},
		KeyTypes: []ck.KeyType{ck.CKK_AES},
		GenerateKey: secretKeyGenerator(ck.CKK_AES, func(n uint) bool {
			return n == 16 || n == 24 || n == 32
		}),
	})
}
