package object

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"

	"github.com/corepkcs11/corepkcs11/ck"
)

func (o *Object) finishSecret() error {
	v, ok := o.attrs[ck.CKA_VALUE]
	if !ok {
		return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_VALUE", o.describe())
	}
	var check []byte
	switch ck.KeyType(o.sub) {
	case ck.CKK_DES, ck.CKK_DES2, ck.CKK_DES3:
		if want := desKeyLen[ck.KeyType(o.sub)]; len(v) != want {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: a %v key is %d bytes, not %d", ck.KeyType(o.sub), want, len(v))
		}
		block, err := DESCipher(v)
		if err != nil {
			return ck.Wrap(ck.CKR_ATTRIBUTE_VALUE_INVALID, err)
		}
		// Spec (mechanisms 2.22): the first three bytes of the encryption
		// of an all-zero block.
		check = make([]byte, des.BlockSize)
		block.Encrypt(check, check)
	case ck.CKK_AES:
		block, err := aes.NewCipher(v)
		if err != nil {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: an AES key is 16, 24 or 32 bytes, not %d", len(v))
		}
		// Spec (mechanisms 2.8): the first three bytes of the encryption of an all-zero block.
		check = make([]byte, aes.BlockSize)
		block.Encrypt(check, check)
	default:
		if len(v) == 0 {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is empty")
		}
		// Spec (mechanisms 2.53): the first three bytes of the SHA-1 of the value.
		sum := sha1.Sum(v)
		check = sum[:]
	}
	if n, ok := o.ULong(ck.CKA_VALUE_LEN); ok && n != uint(len(v)) {
		return ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN %d but CKA_VALUE has %d bytes", n, len(v))
	}
	if given, ok := o.attrs[ck.CKA_CHECK_VALUE]; ok && len(given) > 0 && !bytes.Equal(given, check[:3]) {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CHECK_VALUE does not match the key")
	}
	if _, ok := o.schema[ck.CKA_VALUE_LEN]; ok {
		o.attrs[ck.CKA_VALUE_LEN] = EncodeULong(uint(len(v)))
	}
	o.attrs[ck.CKA_CHECK_VALUE] = append([]byte(nil), check[:3]...)
	o.key = v
	return nil
}

// desKeyLen is the CKA_VALUE length of each DES key type.
var desKeyLen = map[ck.KeyType]int{ck.CKK_DES: 8, ck.CKK_DES2: 16, ck.CKK_DES3: 24}

// FixedKeyLen is the CKA_VALUE length a secret key type always has (the
// DES types, which have no CKA_VALUE_LEN), or false.
func FixedKeyLen(kt ck.KeyType) (int, bool) {
	n, ok := desKeyLen[kt]
	return n, ok
}

// DESCipher is the block cipher of a DES, DES2 or DES3 key value (8, 16
// or 24 bytes): a two-key value K1||K2 runs as the three-key K1||K2||K1.
func DESCipher(v []byte) (cipher.Block, error) {
	switch len(v) {
	case desKeyLen[ck.CKK_DES]:
		return des.NewCipher(v)
	case desKeyLen[ck.CKK_DES2]:
		return des.NewTripleDESCipher(append(bytes.Clone(v), v[:8]...))
	}
	return des.NewTripleDESCipher(v)
}
