package mech

import (
	"crypto/aes"
	"crypto/cipher"

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
		Packages: "crypto/rand",
		Info:     Info{minAESKey, maxAESKey, ck.CKF_GENERATE},
		KeyTypes: []ck.KeyType{ck.CKK_AES},
		GenerateKey: secretKeyGenerator(ck.CKK_AES, func(n uint) bool {
			return n == 16 || n == 24 || n == 32
		}),
	})
	registerBlockModes(blockModes{
		ecb:       ck.CKM_AES_ECB,
		cbc:       ck.CKM_AES_CBC,
		cbcPad:    ck.CKM_AES_CBC_PAD,
		keyTypes:  []ck.KeyType{ck.CKK_AES},
		packages:  "crypto/aes, crypto/cipher",
		minKey:    minAESKey,
		maxKey:    maxAESKey,
		blockSize: aes.BlockSize,
		newBlock:  aesKeyBlock,
	})
}

// aesKeyBlock is the AES cipher of a key value of 16, 24 or 32 bytes.
func aesKeyBlock(key []byte) (cipher.Block, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "an AES key is 16, 24 or 32 bytes, not %d", len(key))
	}
	return b, nil
}

// aesBlockOf is the AES cipher of a secret key's value, for mechanism t.
func aesBlockOf(t ck.MechanismType, key any) (cipher.Block, error) {
	k, err := secretKeyValue(t, key)
	if err != nil {
		return nil, err
	}
	return aesKeyBlock(k)
}
