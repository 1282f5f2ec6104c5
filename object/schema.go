package object

import "github.com/corepkcs11/corepkcs11/ck"

// rule holds the footnotes of the 2.40 base specification's attribute
// tables (table 10, "Common footnotes for object attribute tables") that
// this token enforces, plus the token's own choices where the spec leaves
// them to the token.
type rule uint16

const (
	mustCreate   rule = 1 << iota // 1: MUST be specified by C_CreateObject
	noCreate                      // 2: MUST NOT be specified by C_CreateObject
	mustGenerate                  // 3: MUST be specified when generated
	noGenerate                    // 4: MUST NOT be specified when generated
	sensitive                     // 7: hidden when CKA_SENSITIVE or !CKA_EXTRACTABLE
	modifiable                    // 8: may change by C_SetAttributeValue / C_CopyObject
	soOnlyTrue                    // 10: only the SO may set it to CK_TRUE
	stickyTrue                    // 11: cannot change once CK_TRUE
	stickyFalse                   // 12: cannot change once CK_FALSE
	copyOnly                      // may change in C_CopyObject only (CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE)
)

// attrRule is one row of an attribute table: the rules and, for
// attributes with a default, the value an object gets when the template
// does not give one.
type attrRule struct {
	typ  ck.AttributeType
	rule rule
	def  []byte // nil: no default, the attribute is absent unless given
}

var (
	empty         = []byte{}
	zero          = EncodeULong(0)
	emptyArray, _ = EncodeTemplate(nil)
)

// Storage object attributes (spec 4.4). CKA_PRIVATE's default depends on
// the class and is filled in by classDefaults.
var storageRules = []attrRule{
	{ck.CKA_CLASS, mustCreate, nil},
	{ck.CKA_TOKEN, copyOnly, ckFalse},
	{ck.CKA_PRIVATE, copyOnly, nil},
	{ck.CKA_MODIFIABLE, copyOnly, ckTrue},
	{ck.CKA_LABEL, modifiable, empty},
	{ck.CKA_COPYABLE, modifiable | stickyFalse, ckTrue},
	{ck.CKA_DESTROYABLE, modifiable, ckTrue},
}

// Data objects (spec 4.5): the application and value may be rewritten.
var dataRules = []attrRule{
	{ck.CKA_APPLICATION, modifiable, empty},
	{ck.CKA_OBJECT_ID, modifiable, empty},
	{ck.CKA_VALUE, modifiable, empty},
}

// Certificates (spec 4.6) and X.509 public key certificates (4.6.3).
// CKA_SUBJECT is required by the spec; this token derives it, CKA_ISSUER
// and CKA_SERIAL_NUMBER from CKA_VALUE when they are not given, since the
// DER is checked anyway (see certificate.go).
var certificateRules = []attrRule{
	{ck.CKA_CERTIFICATE_TYPE, mustCreate, nil},
	{ck.CKA_TRUSTED, soOnlyTrue, ckFalse},
	{ck.CKA_CERTIFICATE_CATEGORY, 0, zero},
	{ck.CKA_CHECK_VALUE, 0, nil},
	{ck.CKA_START_DATE, 0, empty},
	{ck.CKA_END_DATE, 0, empty},
	{ck.CKA_PUBLIC_KEY_INFO, 0, nil},
	{ck.CKA_SUBJECT, 0, nil},
	{ck.CKA_ID, modifiable, empty},
	{ck.CKA_ISSUER, modifiable, nil},
	{ck.CKA_SERIAL_NUMBER, modifiable, nil},
	{ck.CKA_VALUE, mustCreate, nil},
	{ck.CKA_URL, 0, empty},
	{ck.CKA_HASH_OF_SUBJECT_PUBLIC_KEY, 0, empty},
	{ck.CKA_HASH_OF_ISSUER_PUBLIC_KEY, 0, empty},
	{ck.CKA_JAVA_MIDP_SECURITY_DOMAIN, 0, zero},
	{ck.CKA_NAME_HASH_ALGORITHM, 0, EncodeULong(uint(ck.CKM_SHA_1))},
}

// Common key attributes (spec 4.7). CKA_LOCAL and CKA_KEY_GEN_MECHANISM
// are set by the token from how the key came to be.
var keyRules = []attrRule{
	{ck.CKA_KEY_TYPE, mustCreate, nil},
	{ck.CKA_ID, modifiable, empty},
	{ck.CKA_START_DATE, modifiable, empty},
	{ck.CKA_END_DATE, modifiable, empty},
	{ck.CKA_DERIVE, modifiable, ckFalse},
	{ck.CKA_LOCAL, noCreate | noGenerate, nil},
	{ck.CKA_KEY_GEN_MECHANISM, noCreate | noGenerate, nil},
	{ck.CKA_ALLOWED_MECHANISMS, 0, empty},
}

// Public keys (spec 4.8). Usage flags default to CK_TRUE, as in SoftHSMv2,
// so that a key imported without flags is usable for what its type can do.
var publicKeyRules = []attrRule{
	{ck.CKA_SUBJECT, modifiable, empty},
	{ck.CKA_ENCRYPT, modifiable, ckTrue},
	{ck.CKA_VERIFY, modifiable, ckTrue},
	{ck.CKA_VERIFY_RECOVER, modifiable, ckTrue},
	{ck.CKA_WRAP, modifiable, ckTrue},
	{ck.CKA_TRUSTED, soOnlyTrue, ckFalse},
	{ck.CKA_PUBLIC_KEY_INFO, 0, nil},
	{ck.CKA_WRAP_TEMPLATE, 0, emptyArray},
	// PKCS#11 3.2's common public key attribute; only ML-KEM keys
	// encapsulate, and their schema makes it true by default.
	{ck.CKA_ENCAPSULATE, modifiable, ckFalse},
}

// Private keys (spec 4.9). CKA_SENSITIVE defaults to CK_TRUE and
// CKA_EXTRACTABLE to CK_FALSE: key material leaves the token only when
// the application asks for it explicitly.
var privateKeyRules = []attrRule{
	{ck.CKA_SUBJECT, modifiable, empty},
	{ck.CKA_SENSITIVE, modifiable | stickyTrue, ckTrue},
	{ck.CKA_DECRYPT, modifiable, ckTrue},
	{ck.CKA_SIGN, modifiable, ckTrue},
	{ck.CKA_SIGN_RECOVER, modifiable, ckTrue},
	{ck.CKA_UNWRAP, modifiable, ckTrue},
	{ck.CKA_EXTRACTABLE, modifiable | stickyFalse, ckFalse},
	{ck.CKA_ALWAYS_SENSITIVE, noCreate | noGenerate, nil},
	{ck.CKA_NEVER_EXTRACTABLE, noCreate | noGenerate, nil},
	{ck.CKA_WRAP_WITH_TRUSTED, modifiable | stickyTrue, ckFalse},
	{ck.CKA_ALWAYS_AUTHENTICATE, 0, ckFalse},
	{ck.CKA_PUBLIC_KEY_INFO, 0, nil},
	{ck.CKA_UNWRAP_TEMPLATE, 0, emptyArray},
	{ck.CKA_DERIVE_TEMPLATE, 0, emptyArray},
	// PKCS#11 3.2's common private key attribute, as CKA_ENCAPSULATE.
	{ck.CKA_DECAPSULATE, modifiable, ckFalse},
}

// Secret keys (spec 4.10).
var secretKeyRules = []attrRule{
	{ck.CKA_SENSITIVE, modifiable | stickyTrue, ckTrue},
	{ck.CKA_ENCRYPT, modifiable, ckTrue},
	{ck.CKA_DECRYPT, modifiable, ckTrue},
	{ck.CKA_SIGN, modifiable, ckTrue},
	{ck.CKA_VERIFY, modifiable, ckTrue},
	{ck.CKA_WRAP, modifiable, ckTrue},
	{ck.CKA_UNWRAP, modifiable, ckTrue},
	{ck.CKA_EXTRACTABLE, modifiable | stickyFalse, ckFalse},
	{ck.CKA_ALWAYS_SENSITIVE, noCreate | noGenerate, nil},
	{ck.CKA_NEVER_EXTRACTABLE, noCreate | noGenerate, nil},
	{ck.CKA_CHECK_VALUE, 0, nil},
	{ck.CKA_WRAP_WITH_TRUSTED, modifiable | stickyTrue, ckFalse},
	{ck.CKA_TRUSTED, soOnlyTrue, ckFalse},
	{ck.CKA_WRAP_TEMPLATE, 0, emptyArray},
	{ck.CKA_UNWRAP_TEMPLATE, 0, emptyArray},
	{ck.CKA_DERIVE_TEMPLATE, 0, emptyArray},
}

// Key-type specific attributes (spec mechanisms document, 2.3 and 2.1).
var (
	ecPublicRules = []attrRule{
		{ck.CKA_EC_PARAMS, mustCreate | mustGenerate, nil},
		{ck.CKA_EC_POINT, mustCreate | noGenerate, nil},
	}
	ecPrivateRules = []attrRule{
		{ck.CKA_EC_PARAMS, mustCreate | noGenerate, nil},
		{ck.CKA_VALUE, mustCreate | noGenerate | sensitive, nil},
	}
	rsaPublicRules = []attrRule{
		{ck.CKA_MODULUS, mustCreate | noGenerate, nil},
		{ck.CKA_MODULUS_BITS, noCreate | mustGenerate, nil},
		{ck.CKA_PUBLIC_EXPONENT, mustCreate, nil},
	}
	rsaPrivateRules = []attrRule{
		{ck.CKA_MODULUS, mustCreate | noGenerate, nil},
		{ck.CKA_PUBLIC_EXPONENT, noGenerate, nil},
		{ck.CKA_PRIVATE_EXPONENT, mustCreate | noGenerate | sensitive, nil},
		{ck.CKA_PRIME_1, noGenerate | sensitive, nil},
		{ck.CKA_PRIME_2, noGenerate | sensitive, nil},
		{ck.CKA_EXPONENT_1, noGenerate | sensitive, nil},
		{ck.CKA_EXPONENT_2, noGenerate | sensitive, nil},
		{ck.CKA_COEFFICIENT, noGenerate | sensitive, nil},
	}
	secretValueRules = []attrRule{
		{ck.CKA_VALUE, mustCreate | noGenerate | sensitive, nil},
		{ck.CKA_VALUE_LEN, mustGenerate, nil},
	}
	// DES keys have the length of their type: no CKA_VALUE_LEN.
	desValueRules = []attrRule{
		{ck.CKA_VALUE, mustCreate | noGenerate | sensitive, nil},
	}
)

// schema is the full attribute table for one class (and key or
// certificate type), indexed by attribute type.
type schema map[ck.AttributeType]attrRule

func newSchema(groups ...[]attrRule) schema {
	s := schema{}
	for _, g := range groups {
		for _, r := range g {
			s[r.typ] = r
		}
	}
	return s
}

// schemaKey selects a schema: the class, and the key type or
// certificate type where the class has subtypes.
type schemaKey struct {
	class ck.ObjectClass
	sub   uint
}

var schemas = map[schemaKey]schema{
	{ck.CKO_DATA, 0}:                                 newSchema(storageRules, dataRules),
	{ck.CKO_CERTIFICATE, uint(ck.CKC_X_509)}:         newSchema(storageRules, certificateRules),
	{ck.CKO_PUBLIC_KEY, uint(ck.CKK_EC)}:             newSchema(storageRules, keyRules, publicKeyRules, ecPublicRules),
	{ck.CKO_PRIVATE_KEY, uint(ck.CKK_EC)}:            newSchema(storageRules, keyRules, privateKeyRules, ecPrivateRules),
	{ck.CKO_PUBLIC_KEY, uint(ck.CKK_EC_EDWARDS)}:     newSchema(storageRules, keyRules, publicKeyRules, ecPublicRules),
	{ck.CKO_PRIVATE_KEY, uint(ck.CKK_EC_EDWARDS)}:    newSchema(storageRules, keyRules, privateKeyRules, ecPrivateRules),
	{ck.CKO_PUBLIC_KEY, uint(ck.CKK_EC_MONTGOMERY)}:  newSchema(storageRules, keyRules, publicKeyRules, ecPublicRules),
	{ck.CKO_PRIVATE_KEY, uint(ck.CKK_EC_MONTGOMERY)}: newSchema(storageRules, keyRules, privateKeyRules, ecPrivateRules),
	{ck.CKO_PUBLIC_KEY, uint(ck.CKK_RSA)}:            newSchema(storageRules, keyRules, publicKeyRules, rsaPublicRules),
	{ck.CKO_PRIVATE_KEY, uint(ck.CKK_RSA)}:           newSchema(storageRules, keyRules, privateKeyRules, rsaPrivateRules),
	{ck.CKO_SECRET_KEY, uint(ck.CKK_DES)}:            newSchema(storageRules, keyRules, secretKeyRules, desValueRules),
	{ck.CKO_SECRET_KEY, uint(ck.CKK_DES2)}:           newSchema(storageRules, keyRules, secretKeyRules, desValueRules),
	{ck.CKO_SECRET_KEY, uint(ck.CKK_DES3)}:           newSchema(storageRules, keyRules, secretKeyRules, desValueRules),
}

// valueKeyTypes are the secret key types whose CKA_VALUE is any run of
// bytes: a generic secret, an AES key, an HKDF key and the HMAC key
// types of each hash.
var valueKeyTypes = []ck.KeyType{ck.CKK_GENERIC_SECRET, ck.CKK_AES, ck.CKK_HKDF,
	ck.CKK_SHA_1_HMAC, ck.CKK_SHA224_HMAC, ck.CKK_SHA256_HMAC, ck.CKK_SHA384_HMAC, ck.CKK_SHA512_HMAC,
	ck.CKK_SHA3_224_HMAC, ck.CKK_SHA3_256_HMAC, ck.CKK_SHA3_384_HMAC, ck.CKK_SHA3_512_HMAC}

func init() {
	for _, kt := range valueKeyTypes {
		schemas[schemaKey{ck.CKO_SECRET_KEY, uint(kt)}] = newSchema(storageRules, keyRules, secretKeyRules, secretValueRules)
	}
}

// subtypeAttr is the attribute that picks the schema within a class.
func subtypeAttr(class ck.ObjectClass) (ck.AttributeType, bool) {
	switch class {
	case ck.CKO_CERTIFICATE:
		return ck.CKA_CERTIFICATE_TYPE, true
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		return ck.CKA_KEY_TYPE, true
	}
	return 0, false
}

// isSecretMaterial reports whether attribute t of an object of this
// schema is key material: never revealed when the key is sensitive or
// unextractable.
func (s schema) isSecretMaterial(t ck.AttributeType) bool {
	return s[t].rule&sensitive != 0
}
