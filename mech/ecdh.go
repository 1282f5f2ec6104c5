package mech

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/binary"
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// ECDH: CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE agree on a
// secret with the other party's public key and derive a key's value from
// it, raw (CKD_NULL) or through the ANSI X9.63 KDF or NIST SP 800-56A's
// one-step KDF of a hash.
// CKM_ECDH1_DERIVE also takes X25519 and X448 keys (RFC 7748), as the
// mechanisms specification allows; the cofactor variant is for curves
// in Weierstrass form only, and P-256, P-384 and P-521 have cofactor 1,
// so it computes the same secret there. The flags leave out
// CKF_EC_CURVENAME, which concerns the mechanisms that read CKA_EC_PARAMS
// (the key generations) and which 2.40 clients such as pkcs11test reject
// on a mechanism they know.
func init() {
	register(&Mechanism{
		Type:     ck.CKM_ECDH1_DERIVE,
		Packages: "crypto/ecdh, github.com/cloudflare/circl/dh/x448",
		Info:     Info{255, ecInfo.MaxKeySize, ecInfo.Flags | ck.CKF_DERIVE},
		KeyTypes: []ck.KeyType{ck.CKK_EC, ck.CKK_EC_MONTGOMERY},
		Param:    ECDH1Param,
		Derive: func(base *object.Object, p Param, n int, _ Objects) ([]byte, error) {
			return deriveECDH(ck.CKM_ECDH1_DERIVE, base.Key(), p, n)
		},
	})
	register(&Mechanism{
		Type:     ck.CKM_ECDH1_COFACTOR_DERIVE,
		Packages: "crypto/ecdh",
		Info:     Info{ecInfo.MinKeySize, ecInfo.MaxKeySize, ecInfo.Flags | ck.CKF_DERIVE},
		KeyTypes: []ck.KeyType{ck.CKK_EC},
		Param:    ECDH1Param,
		Derive: func(base *object.Object, p Param, n int, _ Objects) ([]byte, error) {
			return deriveECDH(ck.CKM_ECDH1_COFACTOR_DERIVE, base.Key(), p, n)
		},
	})
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
	var counterFirst bool
	if params.KDF != ck.CKD_NULL {
		if kdf, counterFirst = kdfOf(params.KDF); kdf == 0 {
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
		return concatKDF(kdf, counterFirst, z, params.SharedData, n), nil
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
// key: an uncompressed point or, for Montgomery keys, RFC 7748's
// u-coordinate, either bare or in a DER OCTET STRING (CKA_EC_POINT's
// encoding), which the specification lets a token accept too.
func agree(t ck.MechanismType, priv any, public []byte) ([]byte, error) {
	secret, err := agreement(priv)
	if err != nil {
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v: %v", t, err)
	}
	z, err := secret(public)
	if err != nil {
		var inner []byte
		if rest, derErr := asn1.Unmarshal(public, &inner); derErr == nil && len(rest) == 0 {
			z, err = secret(inner)
		}
	}
	if err != nil {
		// Not a point of the key's curve, or one of small order that
		// would make the secret zero.
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: pPublicData: %v", t, err)
	}
	return z, nil
}

// agreement returns the function that computes priv's shared secret
// with a public key given as bytes.
func agreement(priv any) (func(public []byte) ([]byte, error), error) {
	switch key := priv.(type) {
	case *ecdsa.PrivateKey:
		k, err := key.ECDH()
		if err != nil {
			return nil, err
		}
		return agreementECDH(k), nil
	case *ecdh.PrivateKey:
		return agreementECDH(key), nil
	case *object.X448PrivateKey:
		return func(public []byte) ([]byte, error) {
			pub, err := object.NewX448PublicKey(public)
			if err != nil {
				return nil, err
			}
			return key.ECDH(pub)
		}, nil
	}
	return nil, errors.New("not a private key of a curve it agrees on")
}

// agreementECDH is the agreement of a crypto/ecdh key: a NIST curve's,
// whose public keys are uncompressed points, or X25519's.
func agreementECDH(k *ecdh.PrivateKey) func([]byte) ([]byte, error) {
	return func(public []byte) ([]byte, error) {
		pub, err := k.Curve().NewPublicKey(public)
		if err != nil {
			return nil, err
		}
		return k.ECDH(pub)
	}
}

// kdfOf is the hash of a key derivation function of
// CK_ECDH1_DERIVE_PARAMS, 0 for none this token has, and whether it is
// SP 800-56A's, whose counter comes before the secret.
func kdfOf(kdf uint) (h crypto.Hash, counterFirst bool) {
	for _, hs := range hashes {
		switch kdf {
		case hs.kdf:
			return hs.hash, false
		case hs.kdfSP800:
			return hs.hash, true
		}
	}
	return 0, false
}

// concatKDF is the key derivation function of ANSI X9.63 (SEC 1 section
// 3.6.1) or, with counterFirst, NIST SP 800-56A's one-step KDF (section
// 5.8.1.1): the hashes of z, a 32-bit big-endian counter from 1, and the
// shared data (X9.63), or of the counter, z and the shared data (SP
// 800-56A), concatenated up to n bytes.
func concatKDF(h crypto.Hash, counterFirst bool, z, shared []byte, n int) []byte {
	out := make([]byte, 0, n+h.Size())
	d := h.New()
	var counter [4]byte
	for i := uint32(1); len(out) < n; i++ {
		d.Reset()
		binary.BigEndian.PutUint32(counter[:], i)
		if counterFirst {
			d.Write(counter[:])
			d.Write(z)
		} else {
			d.Write(z)
			d.Write(counter[:])
		}
		d.Write(shared)
		out = d.Sum(out)
	}
	clear(out[n:cap(out)])
	return out[:n]
}
