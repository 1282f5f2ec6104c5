package mech

import (
	"bytes"
	"crypto"
	"crypto/md5"
	_ "crypto/sha1" // register the hashes with crypto.Hash
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
	"hash"

	"github.com/corepkcs11/corepkcs11/ck"
)

// hashes are the hash functions the token offers, each with every
// mechanism built on it, so that a family adds a hash in one place: the
// digest, the ECDSA and RSA hash-then-sign variants, the MGF1 that goes
// with it in PSS parameters, and its HMACs with their key type.
var hashes = []struct {
	hash                           crypto.Hash
	digest, ecdsa, rsaPKCS, rsaPSS ck.MechanismType
	mgf                            ck.MGF
	hmac, hmacGeneral              ck.MechanismType
	hmacKey                        ck.KeyType
	// kdf and kdfSP800 are the key derivation functions over the hash
	// that CK_ECDH1_DERIVE_PARAMS names by CKD_* values: ANSI X9.63's,
	// and NIST SP 800-56A's one-step KDF.
	kdf, kdfSP800 uint
	// digestInfo is the DER DigestInfo header RSASSA-PKCS1-v1_5 puts
	// before a digest (RFC 8017 section 9.2, note 1).
	digestInfo []byte
}{
	{crypto.SHA1, ck.CKM_SHA_1, ck.CKM_ECDSA_SHA1, ck.CKM_SHA1_RSA_PKCS, ck.CKM_SHA1_RSA_PKCS_PSS, ck.CKG_MGF1_SHA1,
		ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL, ck.CKK_SHA_1_HMAC, ck.CKD_SHA1_KDF, ck.CKD_SHA1_KDF_SP800,
		[]byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}},
	{crypto.SHA224, ck.CKM_SHA224, ck.CKM_ECDSA_SHA224, ck.CKM_SHA224_RSA_PKCS, ck.CKM_SHA224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA224,
		ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL, ck.CKK_SHA224_HMAC, ck.CKD_SHA224_KDF, ck.CKD_SHA224_KDF_SP800,
		[]byte{0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c}},
	{crypto.SHA256, ck.CKM_SHA256, ck.CKM_ECDSA_SHA256, ck.CKM_SHA256_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA256,
		ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL, ck.CKK_SHA256_HMAC, ck.CKD_SHA256_KDF, ck.CKD_SHA256_KDF_SP800,
		[]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}},
	{crypto.SHA384, ck.CKM_SHA384, ck.CKM_ECDSA_SHA384, ck.CKM_SHA384_RSA_PKCS, ck.CKM_SHA384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA384,
		ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL, ck.CKK_SHA384_HMAC, ck.CKD_SHA384_KDF, ck.CKD_SHA384_KDF_SP800,
		[]byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}},
	{crypto.SHA512, ck.CKM_SHA512, ck.CKM_ECDSA_SHA512, ck.CKM_SHA512_RSA_PKCS, ck.CKM_SHA512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA512,
		ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL, ck.CKK_SHA512_HMAC, ck.CKD_SHA512_KDF, ck.CKD_SHA512_KDF_SP800,
		[]byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}},
	// SHA-3 (FIPS 202), from PKCS#11 3.0; the DigestInfo OIDs are
	// id-sha3-224 to id-sha3-512, 2.16.840.1.101.3.4.2.7 to .10.
	{crypto.SHA3_224, ck.CKM_SHA3_224, ck.CKM_ECDSA_SHA3_224, ck.CKM_SHA3_224_RSA_PKCS, ck.CKM_SHA3_224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_224,
		ck.CKM_SHA3_224_HMAC, ck.CKM_SHA3_224_HMAC_GENERAL, ck.CKK_SHA3_224_HMAC, ck.CKD_SHA3_224_KDF, ck.CKD_SHA3_224_KDF_SP800,
		[]byte{0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x07, 0x05, 0x00, 0x04, 0x1c}},
	{crypto.SHA3_256, ck.CKM_SHA3_256, ck.CKM_ECDSA_SHA3_256, ck.CKM_SHA3_256_RSA_PKCS, ck.CKM_SHA3_256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_256,
		ck.CKM_SHA3_256_HMAC, ck.CKM_SHA3_256_HMAC_GENERAL, ck.CKK_SHA3_256_HMAC, ck.CKD_SHA3_256_KDF, ck.CKD_SHA3_256_KDF_SP800,
		[]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x08, 0x05, 0x00, 0x04, 0x20}},
	{crypto.SHA3_384, ck.CKM_SHA3_384, ck.CKM_ECDSA_SHA3_384, ck.CKM_SHA3_384_RSA_PKCS, ck.CKM_SHA3_384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_384,
		ck.CKM_SHA3_384_HMAC, ck.CKM_SHA3_384_HMAC_GENERAL, ck.CKK_SHA3_384_HMAC, ck.CKD_SHA3_384_KDF, ck.CKD_SHA3_384_KDF_SP800,
		[]byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x09, 0x05, 0x00, 0x04, 0x30}},
	{crypto.SHA3_512, ck.CKM_SHA3_512, ck.CKM_ECDSA_SHA3_512, ck.CKM_SHA3_512_RSA_PKCS, ck.CKM_SHA3_512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_512,
		ck.CKM_SHA3_512_HMAC, ck.CKM_SHA3_512_HMAC_GENERAL, ck.CKK_SHA3_512_HMAC, ck.CKD_SHA3_512_KDF, ck.CKD_SHA3_512_KDF_SP800,
		[]byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0a, 0x05, 0x00, 0x04, 0x40}},
}

// digestHash is the hash of digest mechanism t, for the parameters that
// name a hash by its digest mechanism (CK_HKDF_PARAMS).
func digestHash(t ck.MechanismType) (crypto.Hash, bool) {
	for _, hs := range hashes {
		if hs.digest == t {
			return hs.hash, true
		}
	}
	return 0, false
}

// hashPackage is the Go package of hash h.
func hashPackage(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "crypto/sha1"
	case crypto.SHA224, crypto.SHA256:
		return "crypto/sha256"
	case crypto.SHA384, crypto.SHA512:
		return "crypto/sha512"
	case crypto.SHA3_224, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512:
		return "crypto/sha3"
	}
	panic("mech: no package for " + h.String())
}

// withHash is packages and, for the mechanisms that hash inside, the
// package of their hash h.
func withHash(packages string, h crypto.Hash) string {
	if h == 0 {
		return packages
	}
	return packages + ", " + hashPackage(h)
}

// DigestInfo is the input CKM_RSA_PKCS signs for a digest of hash h: its
// DER DigestInfo. ok is false for a hash the token does not offer.
func DigestInfo(h crypto.Hash, digest []byte) (info []byte, ok bool) {
	for _, hs := range hashes {
		if hs.hash == h {
			return append(bytes.Clone(hs.digestInfo), digest...), true
		}
	}
	return nil, false
}

func init() {
	// MD5 is broken (collisions are cheap) and legacy: a digest only.
	register(&Mechanism{
		Type:     ck.CKM_MD5,
		Packages: "crypto/md5",
		Info:     Info{Flags: ck.CKF_DIGEST},
		Legacy:   true,
		NewDigest: func(Param) (hash.Hash, error) {
			return md5.New(), nil
		},
	})
	for _, d := range hashes {
		register(&Mechanism{
			Type:     d.digest,
			Packages: hashPackage(d.hash),
			Info:     Info{Flags: ck.CKF_DIGEST},
			NewDigest: func(Param) (hash.Hash, error) {
				return d.hash.New(), nil
			},
		})
	}
}
