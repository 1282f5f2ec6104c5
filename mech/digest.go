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
// digest, the ECDSA and RSA hash-then-sign variants, and the MGF1 that
// goes with it in PSS parameters.
var hashes = []struct {
	hash                           crypto.Hash
	digest, ecdsa, rsaPKCS, rsaPSS ck.MechanismType
	mgf                            ck.MGF
}{
	{crypto.SHA1, ck.CKM_SHA_1, ck.CKM_ECDSA_SHA1, ck.CKM_SHA1_RSA_PKCS, ck.CKM_SHA1_RSA_PKCS_PSS, ck.CKG_MGF1_SHA1},
	{crypto.SHA224, ck.CKM_SHA224, ck.CKM_ECDSA_SHA224, ck.CKM_SHA224_RSA_PKCS, ck.CKM_SHA224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA224},
	{crypto.SHA256, ck.CKM_SHA256, ck.CKM_ECDSA_SHA256, ck.CKM_SHA256_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA256},
	{crypto.SHA384, ck.CKM_SHA384, ck.CKM_ECDSA_SHA384, ck.CKM_SHA384_RSA_PKCS, ck.CKM_SHA384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA384},
	{crypto.SHA512, ck.CKM_SHA512, ck.CKM_ECDSA_SHA512, ck.CKM_SHA512_RSA_PKCS, ck.CKM_SHA512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA512},
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
