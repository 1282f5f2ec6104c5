package mech

import (
	"crypto"
	"crypto/hmac"
	"hash"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Generic secret key lengths, in bytes; CK_MECHANISM_INFO gives them in
// bits for the key generation, in bytes for the HMACs.
const (
	minGenericSecret = 1
	maxGenericSecret = 512
)

func init() {
	register(&Mechanism{
		Type:     ck.CKM_GENERIC_SECRET_KEY_GEN,
		Packages: "crypto/rand",
		Info:     Info{8 * minGenericSecret, 8 * maxGenericSecret, ck.CKF_GENERATE},
		KeyTypes: []ck.KeyType{ck.CKK_GENERIC_SECRET},
		GenerateKey: secretKeyGenerator(ck.CKK_GENERIC_SECRET, func(n uint) bool {
			return n >= minGenericSecret && n <= maxGenericSecret
		}),
	})
	for _, h := range hashes {
		registerHMAC(h.hmac, h.hash, h.hmacKey, false)
		registerHMAC(h.hmacGeneral, h.hash, h.hmacKey, true)
		register(&Mechanism{
			Type:     hmacKeyGen[h.hash],
			Packages: "crypto/rand",
			Info:     Info{minGenericSecret, maxGenericSecret, ck.CKF_GENERATE},
			KeyTypes: []ck.KeyType{h.hmacKey},
			GenerateKey: secretKeyGenerator(h.hmacKey, func(n uint) bool {
				return n >= minGenericSecret && n <= maxGenericSecret
			}),
		})
	}
}

// hmacKeyGen is the generation of each hash's HMAC key type, of
// CKA_VALUE_LEN bytes.
var hmacKeyGen = map[crypto.Hash]ck.MechanismType{
	crypto.SHA1: ck.CKM_SHA_1_KEY_GEN, crypto.SHA224: ck.CKM_SHA224_KEY_GEN, crypto.SHA256: ck.CKM_SHA256_KEY_GEN,
	crypto.SHA384: ck.CKM_SHA384_KEY_GEN, crypto.SHA512: ck.CKM_SHA512_KEY_GEN,
	crypto.SHA3_224: ck.CKM_SHA3_224_KEY_GEN, crypto.SHA3_256: ck.CKM_SHA3_256_KEY_GEN,
	crypto.SHA3_384: ck.CKM_SHA3_384_KEY_GEN, crypto.SHA3_512: ck.CKM_SHA3_512_KEY_GEN,
}

// registerHMAC registers the HMAC with hash h (RFC 2104), whose MAC is the
// whole output or, for a _GENERAL variant, as many leading bytes as its
// CK_MAC_GENERAL_PARAMS asks. It takes generic secret keys and the key
// type made for it.
func registerHMAC(t ck.MechanismType, h crypto.Hash, kt ck.KeyType, general bool) {
	kind := NoParam
	if general {
		kind = ULongParam
	}
	newMAC := func(key any, p Param) (*hmacMAC, error) {
		k, ok := key.([]byte)
		if !ok {
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs a secret key", t)
		}
		n := h.Size()
		if general {
			l, err := paramAs[uint](t, p)
			if err != nil {
				return nil, err
			}
			if l == 0 || l > uint(n) {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: a MAC of 1 to %d bytes", t, n)
			}
			n = int(l)
		}
		return &hmacMAC{h: hmac.New(h.New, k), n: n}, nil
	}
	register(&Mechanism{
		Type:     t,
		Packages: withHash("crypto/hmac", h),
		Info:     Info{minGenericSecret, maxGenericSecret, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_GENERIC_SECRET, kt},
		Param:    kind,
		NewSigner: func(key any, p Param) (Signer, error) {
			return newMAC(key, p)
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			return newMAC(key, p)
		},
	})
}

// hmacMAC is an HMAC in progress, for signing and verifying alike.
type hmacMAC struct {
	h hash.Hash
	n int // the MAC length
}

func (m *hmacMAC) Len() int { return m.n }

func (m *hmacMAC) Update(p []byte) error {
	m.h.Write(p)
	return nil
}

func (m *hmacMAC) Sign(data []byte) ([]byte, error) {
	m.h.Write(data)
	return m.h.Sum(nil)[:m.n], nil
}

func (m *hmacMAC) Verify(data, sig []byte) error {
	if len(sig) != m.n {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "the MAC is %d bytes, not %d", m.n, len(sig))
	}
	mac, _ := m.Sign(data)
	if !hmac.Equal(mac, sig) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
