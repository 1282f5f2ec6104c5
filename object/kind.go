package object

import (
	"unicode/utf8"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Kind is the C type of an attribute's value, which decides how it is
// checked, compared and serialized.
type Kind uint8

// Attribute value kinds.
const (
	KindBytes      Kind = iota + 1 // byte array
	KindBool                       // CK_BBOOL
	KindULong                      // CK_ULONG
	KindString                     // RFC 2279 (UTF-8) string
	KindDate                       // CK_DATE, or empty
	KindBigInt                     // big-endian unsigned integer
	KindMechanisms                 // CK_MECHANISM_TYPE array
	KindAttributes                 // CK_ATTRIBUTE array (see arrays.go)
)

var kinds = map[ck.AttributeType]Kind{
	ck.CKA_CLASS:                      KindULong,
	ck.CKA_TOKEN:                      KindBool,
	ck.CKA_PRIVATE:                    KindBool,
	ck.CKA_LABEL:                      KindString,
	ck.CKA_APPLICATION:                KindString,
	ck.CKA_VALUE:                      KindBytes,
	ck.CKA_OBJECT_ID:                  KindBytes,
	ck.CKA_CERTIFICATE_TYPE:           KindULong,
	ck.CKA_ISSUER:                     KindBytes,
	ck.CKA_SERIAL_NUMBER:              KindBytes,
	ck.CKA_TRUSTED:                    KindBool,
	ck.CKA_CERTIFICATE_CATEGORY:       KindULong,
	ck.CKA_JAVA_MIDP_SECURITY_DOMAIN:  KindULong,
	ck.CKA_URL:                        KindString,
	ck.CKA_HASH_OF_SUBJECT_PUBLIC_KEY: KindBytes,
	ck.CKA_HASH_OF_ISSUER_PUBLIC_KEY:  KindBytes,
	ck.CKA_NAME_HASH_ALGORITHM:        KindULong,
	ck.CKA_CHECK_VALUE:                KindBytes,
	ck.CKA_KEY_TYPE:                   KindULong,
	ck.CKA_SUBJECT:                    KindBytes,
	ck.CKA_ID:                         KindBytes,
	ck.CKA_SENSITIVE:                  KindBool,
	ck.CKA_ENCRYPT:                    KindBool,
	ck.CKA_DECRYPT:                    KindBool,
	ck.CKA_WRAP:                       KindBool,
	ck.CKA_UNWRAP:                     KindBool,
	ck.CKA_SIGN:                       KindBool,
	ck.CKA_SIGN_RECOVER:               KindBool,
	ck.CKA_VERIFY:                     KindBool,
	ck.CKA_VERIFY_RECOVER:             KindBool,
	ck.CKA_DERIVE:                     KindBool,
	ck.CKA_START_DATE:                 KindDate,
	ck.CKA_END_DATE:                   KindDate,
	ck.CKA_MODULUS:                    KindBigInt,
	ck.CKA_MODULUS_BITS:               KindULong,
	ck.CKA_PUBLIC_EXPONENT:            KindBigInt,
	ck.CKA_PRIVATE_EXPONENT:           KindBigInt,
	ck.CKA_PRIME_1:                    KindBigInt,
	ck.CKA_PRIME_2:                    KindBigInt,
	ck.CKA_EXPONENT_1:                 KindBigInt,
	ck.CKA_EXPONENT_2:                 KindBigInt,
	ck.CKA_COEFFICIENT:                KindBigInt,
	ck.CKA_PUBLIC_KEY_INFO:            KindBytes,
	ck.CKA_VALUE_LEN:                  KindULong,
	ck.CKA_EXTRACTABLE:                KindBool,
	ck.CKA_LOCAL:                      KindBool,
	ck.CKA_NEVER_EXTRACTABLE:          KindBool,
	ck.CKA_ALWAYS_SENSITIVE:           KindBool,
	ck.CKA_KEY_GEN_MECHANISM:          KindULong,
	ck.CKA_MODIFIABLE:                 KindBool,
	ck.CKA_COPYABLE:                   KindBool,
	ck.CKA_DESTROYABLE:                KindBool,
	ck.CKA_EC_PARAMS:                  KindBytes,
	ck.CKA_EC_POINT:                   KindBytes,
	ck.CKA_ALWAYS_AUTHENTICATE:        KindBool,
	ck.CKA_WRAP_WITH_TRUSTED:          KindBool,
	ck.CKA_ALLOWED_MECHANISMS:         KindMechanisms,
	ck.CKA_WRAP_TEMPLATE:              KindAttributes,
	ck.CKA_UNWRAP_TEMPLATE:            KindAttributes,
	ck.CKA_DERIVE_TEMPLATE:            KindAttributes,
	ck.CKA_ENCAPSULATE:                KindBool,
	ck.CKA_DECAPSULATE:                KindBool,
}

// KindOf returns the kind of attribute type t, and false for a type this
// token does not know.
func KindOf(t ck.AttributeType) (Kind, bool) {
	k, ok := kinds[t]
	return k, ok
}

// canonical checks an attribute value from a caller against its kind and
// returns it in the form the object keeps: booleans as 0/1, big integers
// without leading zero bytes.
func canonical(t ck.AttributeType, v []byte) ([]byte, error) {
	k, ok := kinds[t]
	if !ok {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_TYPE_INVALID, "%v", t)
	}
	bad := func(why string) error {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "%v: %s", t, why)
	}
	switch k {
	case KindBool:
		if len(v) != 1 {
			return nil, bad("a CK_BBOOL is one byte")
		}
		return EncodeBool(v[0] != 0), nil
	case KindULong:
		if len(v) != ULongSize {
			return nil, bad("wrong length for a CK_ULONG")
		}
	case KindString:
		if !utf8.Valid(v) {
			return nil, bad("not UTF-8")
		}
	case KindDate:
		if len(v) != 0 && !validDate(v) {
			return nil, bad("a CK_DATE is 8 ASCII digits YYYYMMDD")
		}
	case KindBigInt:
		for len(v) > 1 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) == 0 {
			return nil, bad("empty integer")
		}
	case KindMechanisms:
		if len(v)%ULongSize != 0 {
			return nil, bad("not an array of CK_MECHANISM_TYPE")
		}
	case KindAttributes:
		a, err := canonicalArray(v)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "%v: %v", t, err)
		}
		return a, nil
	}
	return append([]byte{}, v...), nil
}

func validDate(v []byte) bool {
	if len(v) != 8 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
