package mech

import (
	"crypto/cipher"
	"crypto/des"
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
			Packages: "crypto/rand",
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

// The DES encryption mechanisms. The spec (v2.20 and later, general
// block cipher ECB, CBC and CBC_PAD) says ulMinKeySize and ulMaxKeySize
// are not used for DES and Triple DES, without a value for them, and
// SoftHSMv2 reports 0 to 0. Here they are the key lengths in bytes, as
// the spec gives them where it uses them (AES, CAST) and as the DES key
// generations above give them: a client that checks a key's size
// against the range (NSS does) finds it covered, where 0 to 0 would rule
// out every key.
func init() {
	registerBlockModes(blockModes{
		ecb:       ck.CKM_DES3_ECB,
		cbc:       ck.CKM_DES3_CBC,
		cbcPad:    ck.CKM_DES3_CBC_PAD,
		keyTypes:  []ck.KeyType{ck.CKK_DES2, ck.CKK_DES3},
		packages:  "crypto/des, crypto/cipher",
		minKey:    16,
		maxKey:    24,
		blockSize: des.BlockSize,
		newBlock:  tripleDESKeyBlock,
	})
	registerBlockModes(blockModes{
		ecb:       ck.CKM_DES_ECB,
		cbc:       ck.CKM_DES_CBC,
		cbcPad:    ck.CKM_DES_CBC_PAD,
		keyTypes:  []ck.KeyType{ck.CKK_DES},
		packages:  "crypto/des, crypto/cipher",
		minKey:    8,
		maxKey:    8,
		blockSize: des.BlockSize,
		legacy:    true,
		newBlock:  desKeyBlock,
	})
}

// tripleDESKeyBlock is the Triple DES cipher of a two-key (16 bytes,
// K1 K2, run as K1 K2 K1) or three-key (24 bytes) value.
func tripleDESKeyBlock(key []byte) (cipher.Block, error) {
	if len(key) != 16 && len(key) != 24 {
		return nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "a Triple DES key is 16 or 24 bytes, not %d", len(key))
	}
	return object.DESCipher(key)
}

// desKeyBlock is the single DES cipher of an 8-byte value.
func desKeyBlock(key []byte) (cipher.Block, error) {
	if len(key) != 8 {
		return nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "a DES key is 8 bytes, not %d", len(key))
	}
	return object.DESCipher(key)
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
