package ck

// PKCS#11 3.0 values that the 2.40 header does not define.
const (
	// CKF_FIND_OBJECTS asks C_SessionCancel to end a search.
	CKF_FIND_OBJECTS = 0x40
	// CKF_EC_CURVENAME: the mechanism takes curves named by a
	// PrintableString in CKA_EC_PARAMS (CKF_EC_NAMEDCURVE, which 3.0
	// calls CKF_EC_OID, is for curves named by OID).
	CKF_EC_CURVENAME = 0x4000000
)

// CKM_AES_KEY_WRAP_KWP is AES key wrap with padding as RFC 5649 and NIST
// SP 800-38F define it (PKCS#11 3.0 section 6.13); CKM_AES_KEY_WRAP_PAD
// is a different, older mechanism: RFC 3394 over PKCS#7 padding.
const CKM_AES_KEY_WRAP_KWP MechanismType = 0x210b

// ECDSA over SHA-3 digests, and MGF1 over SHA-3 for RSA-PSS and OAEP
// (PKCS#11 3.0 sections 6.3 and 2.1.7).
const (
	CKM_ECDSA_SHA3_224 MechanismType = 0x1047
	CKM_ECDSA_SHA3_256 MechanismType = 0x1048
	CKM_ECDSA_SHA3_384 MechanismType = 0x1049
	CKM_ECDSA_SHA3_512 MechanismType = 0x104a

	CKG_MGF1_SHA3_224 MGF = 0x6
	CKG_MGF1_SHA3_256 MGF = 0x7
	CKG_MGF1_SHA3_384 MGF = 0x8
	CKG_MGF1_SHA3_512 MGF = 0x9
)

// The SHA-3 HMAC key types: PKCS#11 2.40 numbered them 0x33 to 0x36, and
// 3.0 renumbered them 0x36 to 0x39 (0x33 to 0x35 became CKK_CHACHA20,
// CKK_POLY1305 and CKK_AES_XTS). ckgen leaves out 2.40's values.
const (
	CKK_SHA3_224_HMAC KeyType = 0x36
	CKK_SHA3_256_HMAC KeyType = 0x37
	CKK_SHA3_384_HMAC KeyType = 0x38
	CKK_SHA3_512_HMAC KeyType = 0x39
)

// The key generations of the HMAC key types of SHA-1 and SHA-2 (PKCS#11
// 3.0 section 2.20); the SHA-3 ones are in the 2.40 header.
const (
	CKM_SHA_1_KEY_GEN  MechanismType = 0x4003
	CKM_SHA224_KEY_GEN MechanismType = 0x4004
	CKM_SHA256_KEY_GEN MechanismType = 0x4005
	CKM_SHA384_KEY_GEN MechanismType = 0x4006
	CKM_SHA512_KEY_GEN MechanismType = 0x4007
)

// Edwards and Montgomery curves (PKCS#11 3.0 sections 2.3.5 to 2.3.10):
// their key types, key pair generations, and EdDSA.
const (
	CKK_EC_EDWARDS    KeyType = 0x40
	CKK_EC_MONTGOMERY KeyType = 0x41

	CKM_EC_EDWARDS_KEY_PAIR_GEN    MechanismType = 0x1055
	CKM_EC_MONTGOMERY_KEY_PAIR_GEN MechanismType = 0x1056
	CKM_EDDSA                      MechanismType = 0x1057
)

// The key derivation functions of NIST SP 800-56A's one-step KDF
// (section 5.8.1.1) over SHA-1, SHA-2 and SHA-3, for CK_ECDH1_DERIVE_PARAMS
// (PKCS#11 3.0 section 2.3.14).
const (
	CKD_SHA1_KDF_SP800     = 0xe
	CKD_SHA224_KDF_SP800   = 0xf
	CKD_SHA256_KDF_SP800   = 0x10
	CKD_SHA384_KDF_SP800   = 0x11
	CKD_SHA512_KDF_SP800   = 0x12
	CKD_SHA3_224_KDF_SP800 = 0x13
	CKD_SHA3_256_KDF_SP800 = 0x14
	CKD_SHA3_384_KDF_SP800 = 0x15
	CKD_SHA3_512_KDF_SP800 = 0x16
)

// HKDF (PKCS#11 3.0 section 2.43): its key type, key generation and
// derivations, and the ulSaltType values of CK_HKDF_PARAMS.
const (
	CKK_HKDF KeyType = 0x42

	CKM_HKDF_DERIVE  MechanismType = 0x402a
	CKM_HKDF_DATA    MechanismType = 0x402b
	CKM_HKDF_KEY_GEN MechanismType = 0x402c

	CKF_HKDF_SALT_NULL = 0x1
	CKF_HKDF_SALT_DATA = 0x2
	CKF_HKDF_SALT_KEY  = 0x4
)

func init() {
	for t, name := range map[KeyType]string{
		CKK_HKDF:          "CKK_HKDF",
		CKK_EC_EDWARDS:    "CKK_EC_EDWARDS",
		CKK_EC_MONTGOMERY: "CKK_EC_MONTGOMERY",
		CKK_SHA3_224_HMAC: "CKK_SHA3_224_HMAC",
		CKK_SHA3_256_HMAC: "CKK_SHA3_256_HMAC",
		CKK_SHA3_384_HMAC: "CKK_SHA3_384_HMAC",
		CKK_SHA3_512_HMAC: "CKK_SHA3_512_HMAC",
	} {
		namesKeyType[t] = name
	}
	for t, name := range map[MechanismType]string{
		CKM_EC_EDWARDS_KEY_PAIR_GEN:    "CKM_EC_EDWARDS_KEY_PAIR_GEN",
		CKM_EC_MONTGOMERY_KEY_PAIR_GEN: "CKM_EC_MONTGOMERY_KEY_PAIR_GEN",
		CKM_EDDSA:                      "CKM_EDDSA",
		CKM_HKDF_DERIVE:                "CKM_HKDF_DERIVE",
		CKM_HKDF_DATA:                  "CKM_HKDF_DATA",
		CKM_HKDF_KEY_GEN:               "CKM_HKDF_KEY_GEN",
		CKM_SHA_1_KEY_GEN:              "CKM_SHA_1_KEY_GEN",
		CKM_SHA224_KEY_GEN:             "CKM_SHA224_KEY_GEN",
		CKM_SHA256_KEY_GEN:             "CKM_SHA256_KEY_GEN",
		CKM_SHA384_KEY_GEN:             "CKM_SHA384_KEY_GEN",
		CKM_SHA512_KEY_GEN:             "CKM_SHA512_KEY_GEN",
		CKM_AES_KEY_WRAP_KWP:           "CKM_AES_KEY_WRAP_KWP",
		CKM_ECDSA_SHA3_224:             "CKM_ECDSA_SHA3_224",
		CKM_ECDSA_SHA3_256:             "CKM_ECDSA_SHA3_256",
		CKM_ECDSA_SHA3_384:             "CKM_ECDSA_SHA3_384",
		CKM_ECDSA_SHA3_512:             "CKM_ECDSA_SHA3_512",
	} {
		namesMechanismType[t] = name
	}
	for g, name := range map[MGF]string{
		CKG_MGF1_SHA3_224: "CKG_MGF1_SHA3_224",
		CKG_MGF1_SHA3_256: "CKG_MGF1_SHA3_256",
		CKG_MGF1_SHA3_384: "CKG_MGF1_SHA3_384",
		CKG_MGF1_SHA3_512: "CKG_MGF1_SHA3_512",
	} {
		namesMGF[g] = name
	}
}
