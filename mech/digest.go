package mech

import (
	"crypto"
	_ "crypto/sha1" // register the hashes with crypto.Hash
	_ "crypto/sha256"
	_ "crypto/sha512"
	"hash"

	"github.com/corepkcs11/corepkcs11/ck"
)

// digests maps the digest mechanisms to Go's hashes; the signature
// families use it for their hash-then-sign variants.
var digests = []struct {
	mech ck.MechanismType
	hash crypto.Hash
}{
	{ck.CKM_SHA_1, crypto.SHA1},
	{ck.CKM_SHA224, crypto.SHA224},
	{ck.CKM_SHA256, crypto.SHA256},
	{ck.CKM_SHA384, crypto.SHA384},
	{ck.CKM_SHA512, crypto.SHA512},
}

func init() {
	for _, d := range digests {
		register(&Mechanism{
			Type: d.mech,
			Info: Info{Flags: ck.CKF_DIGEST},
			NewDigest: func(param []byte) (hash.Hash, error) {
				if err := noParam(d.mech, param); err != nil {
					return nil, err
				}
				return d.hash.New(), nil
			},
		})
	}
}
