package mech

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/binary"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// ECDH: CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE agree on a
// secret with the other party's public key and derive a key's value from
// it, raw (CKD_NULL) or through the ANSI X9.63 KDF of a hash. The curves
// P-256, P-384 and P-521 have cofactor 1, so the cofactor variant
// computes the same secret there.
func init() {
	for _, t := range []ck.MechanismType{ck.CKM_ECDH1_DERIVE, ck.CKM_ECDH1_COFACTOR_DERIVE} {
		register(&Mechanism{
			Type:     t,
			Packages: "crypto/ecdh",
			Info:     Info{ecInfo.MinKeySize, ecInfo.MaxKeySize, ecInfo.Flags | ck.CKF_DERIVE},
			KeyTypes: []ck.KeyType{ck.CKK_EC},
			Param:    ECDH1Param,
			Derive: func(base *object.Object, p Param, n int, _ Objects) ([]byte, error) {
				return deriveECDH(t, base.Key(), p, n)
			},
		})
	}
}

// deriveECDH computes the value of a key derived with mechanism t from
// the private key priv: the shared secret, or n bytes of it, or n bytes
// of a KDF's output.
func deriveECDH(t ck.MechanismType, priv any, p Param, n int) ([]byte, error) {
	params, err := paramAs[ECDH1Params](t, p)
	if err != nil {
		return nil, err
	}
	var kdf crypto.Hash
	if params.KDF != ck.CKD_NULL {
		if kdf = kdfHash(params.KDF); kdf == 0 {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: key derivation function %#x is not supported", t, params.KDF)
		}
	} else if len(params.SharedData) > 0 {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: CKD_NULL takes no shared data", t)
	}
	z, err := agree(t, priv, params.PublicData)
	if err != nil {
		return nil, err
	}
	defer clear(z)
	if kdf != 0 {
		if n == 0 {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "%v with a KDF needs the key's CKA_VALUE_LEN", t)
		}
		return x963KDF(kdf, z, params.SharedData, n), nil
	}
	switch {
	case n == 0:
		return bytes.Clone(z), nil
	case n > len(z):
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v: the key is %d bytes, the shared secret only %d", t, n, len(z))
	}
	// The mechanisms specification: "The truncation removes bytes from
	// the leading end of the secret value."
	return bytes.Clone(z[len(z)-n:]), nil
}

// agree computes the shared secret of priv and the other party's public
// key, given as an uncompressed point or as the DER OCTET STRING of one
// (CKA_EC_POINT's encoding), which the specification lets a token
// accept too.
func agree(t ck.MechanismType, priv any, public []byte) ([]byte, error) {
	var k *ecdh.PrivateKey
	switch key := priv.(type) {
	case *ecdsa.PrivateKey:
		var err error
		if k, err = key.ECDH(); err != nil {
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v: %v", t, err)
		}
	case *ecdh.PrivateKey:
		k = key
	default:
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs a private key of a curve it agrees on", t)
	}
	pub, err := k.Curve().NewPublicKey(public)
	if err != nil {
		var inner []byte
		if rest, derErr := asn1.Unmarshal(public, &inner); derErr != nil || len(rest) > 0 {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: pPublicData is not a public key of the base key's curve: %v", t, err)
		}
		if pub, err = k.Curve().NewPublicKey(inner); err != nil {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: pPublicData is not a public key of the base key's curve: %v", t, err)
		}
	}
	z, err := k.ECDH(pub)
	if err != nil {
		// X25519 with a point of small order: the secret would be zero.
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: %v", t, err)
	}
	return z, nil
}

// kdfHash is the hash of an X9.63 key derivation function, 0 for none.
func kdfHash(kdf uint) crypto.Hash {
	for _, hs := range hashes {
		if hs.kdf == kdf {
			return hs.hash
		}
	}
	return 0
}

// x963KDF is the key derivation function of ANSI X9.63 (SEC 1 section
// 3.6.1): the hashes of z, a 32-bit big-endian counter from 1, and the
// shared data, concatenated up to n bytes.
func x963KDF(h crypto.Hash, z, shared []byte, n int) []byte {
	out := make([]byte, 0, n+h.Size())
	d := h.New()
	var counter [4]byte
	for i := uint32(1); len(out) < n; i++ {
		d.Reset()
		d.Write(z)
		binary.BigEndian.PutUint32(counter[:], i)
		d.Write(counter[:])
		d.Write(shared)
		out = d.Sum(out)
	}
	clear(out[n:cap(out)])
	return out[:n]
}
