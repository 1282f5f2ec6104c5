package mech

import (
	"crypto/rand"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// secretKeyGenerator returns the GenerateKey of a mechanism that makes
// secret keys of type kt: CKA_VALUE_LEN random bytes, for a length valid
// accepts.
func secretKeyGenerator(kt ck.KeyType, valid func(uint) bool) func(Param, object.Template) (object.Template, error) {
	return func(_ Param, tmpl object.Template) (object.Template, error) {
		n, ok := tmpl.ULong(ck.CKA_VALUE_LEN)
		if !ok {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v key generation needs CKA_VALUE_LEN", kt)
		}
		if !valid(n) {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN %d is not a %v key length", n, kt)
		}
		v := make([]byte, n)
		rand.Read(v)
		return secretMaterial(kt, v), nil
	}
}

// secretMaterial is what a secret key generation produces.
func secretMaterial(kt ck.KeyType, v []byte) object.Template {
	return object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)),
		object.ULong(ck.CKA_KEY_TYPE, uint(kt)),
		object.Bytes(ck.CKA_VALUE, v),
	}
}
