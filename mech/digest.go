package mech

import (
	"crypto"
	"crypto/md5"
	_ "crypto/sha1" // register the hashes with crypto.Hash
	_ "crypto/sha256"
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
}{
	{crypto.SHA1, ck.CKM_SHA_1, ck.CKM_ECDSA_SHA1, ck.CKM_SHA1_RSA_PKCS, ck.CKM_SHA1_RSA_PKCS_PSS, ck.CKG_MGF1_SHA1,
		ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL, ck.CKK_SHA_1_HMAC},
	{crypto.SHA224, ck.CKM_SHA224, ck.CKM_ECDSA_SHA224, ck.CKM_SHA224_RSA_PKCS, ck.CKM_SHA224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA224,
		ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL, ck.CKK_SHA224_HMAC},
	{crypto.SHA256, ck.CKM_SHA256, ck.CKM_ECDSA_SHA256, ck.CKM_SHA256_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA256,
		ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL, ck.CKK_SHA256_HMAC},
	{crypto.SHA384, ck.CKM_SHA384, ck.CKM_ECDSA_SHA384, ck.CKM_SHA384_RSA_PKCS, ck.CKM_SHA384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA384,
		ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL, ck.CKK_SHA384_HMAC},
	{crypto.SHA512, ck.CKM_SHA512, ck.CKM_ECDSA_SHA512, ck.CKM_SHA512_RSA_PKCS, ck.CKM_SHA512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA512,
		ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL, ck.CKK_SHA512_HMAC},
}

func init() {
	// MD5 is broken (collisions are cheap) and legacy: a digest only.
	register(&Mechanism{
		Type:   ck.CKM_MD5,
		Info:   Info{Flags: ck.CKF_DIGEST},
		Legacy: true,
		NewDigest: func([]byte) (hash.Hash, error) {
			return md5.New(), nil
		},
	})
	for _, d := range hashes {
		register(&Mechanism{
			Type: d.digest,
			Info: Info{Flags: ck.CKF_DIGEST},
			NewDigest: func([]byte) (hash.Hash, error) {
				return d.hash.New(), nil
			},
		})
	}
}
