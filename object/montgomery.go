package object

import (
	"crypto"
	"crypto/ecdh"
	"crypto/subtle"
	"encoding/asn1"
	"errors"

	"github.com/cloudflare/circl/dh/x448"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Montgomery-curve keys (CKK_EC_MONTGOMERY, PKCS#11 3.0 section 2.3.7)
// are X25519 (crypto/ecdh) or X448 (circl's dh/x448) keys, for key
// agreement. Their CKA_VALUE is RFC 7748's private scalar, 32 or 56
// bytes, and CKA_EC_POINT RFC 7748's u-coordinate in a DER OCTET STRING.
// Key returns:
//
//   - an X25519 private key: *ecdh.PrivateKey of ecdh.X25519()
//   - an X25519 public key: *ecdh.PublicKey of ecdh.X25519()
//   - an X448 private key: *X448PrivateKey
//   - an X448 public key: *X448PublicKey
//
// Both kinds of private key compute a shared secret with ECDH. Like
// every key, these have CKA_DERIVE false unless the template says true:
// the base specification's default, which EC keys follow too.

// X25519Params is the CKA_EC_PARAMS this token gives an X25519 key: the
// RFC 8410 OID id-X25519, 1.3.101.110.
var X25519Params = x25519Curve.Params

// X448Params is the CKA_EC_PARAMS this token gives an X448 key: the RFC
// 8410 OID id-X448, 1.3.101.111.
var X448Params = x448Curve.Params

// CKA_EC_PARAMS may name a Montgomery curve by OID or by name as a
// PrintableString (PKCS#11 3.0 section 2.3.7): pkcs11-tool sends
// "curve25519", OpenSSL the RFC 8410 OID, and GnuPG its own OID for
// Curve25519, 1.3.6.1.4.1.3029.1.5.1.
var (
	x25519Curve = octetCurve(OctetCurve{
		Name: "X25519", KeyType: ck.CKK_EC_MONTGOMERY, Bits: 255, OID: asn1.ObjectIdentifier{1, 3, 101, 110},
		PublicSize: 32, PrivateSize: 32,
		newPublic: func(raw []byte) (crypto.PublicKey, error) {
			pub, err := ecdh.X25519().NewPublicKey(raw)
			if err != nil {
				return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "an X25519 public key: %v", err)
			}
			return pub, nil
		},
		newPrivate: func(scalar []byte) (crypto.PrivateKey, crypto.PublicKey, error) {
			priv, err := ecdh.X25519().NewPrivateKey(scalar)
			if err != nil {
				return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "an X25519 private key: %v", err)
			}
			return priv, priv.PublicKey(), nil
		},
		publicBytes: func(pub crypto.PublicKey) ([]byte, bool) {
			k, ok := pub.(*ecdh.PublicKey)
			if !ok || k.Curve() != ecdh.X25519() {
				return nil, false
			}
			return k.Bytes(), true
		},
		privateBytes: func(priv crypto.PrivateKey) ([]byte, bool) {
			k, ok := priv.(*ecdh.PrivateKey)
			if !ok || k.Curve() != ecdh.X25519() {
				return nil, false
			}
			return k.Bytes(), true
		},
	}, mustPrintable("curve25519"), mustPrintable("X25519"), mustOID(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3029, 1, 5, 1}))

	x448Curve = octetCurve(OctetCurve{
		Name: "X448", KeyType: ck.CKK_EC_MONTGOMERY, Bits: 448, OID: asn1.ObjectIdentifier{1, 3, 101, 111},
		PublicSize: x448.Size, PrivateSize: x448.Size,
		newPublic: func(raw []byte) (crypto.PublicKey, error) {
			return NewX448PublicKey(raw)
		},
		newPrivate: func(scalar []byte) (crypto.PrivateKey, crypto.PublicKey, error) {
			priv := new(X448PrivateKey)
			copy(priv.scalar[:], scalar)
			x448.KeyGen(&priv.pub.u, &priv.scalar)
			return priv, priv.Public(), nil
		},
		publicBytes: func(pub crypto.PublicKey) ([]byte, bool) {
			k, ok := pub.(*X448PublicKey)
			if !ok {
				return nil, false
			}
			return k.Bytes(), true
		},
		privateBytes: func(priv crypto.PrivateKey) ([]byte, bool) {
			k, ok := priv.(*X448PrivateKey)
			if !ok {
				return nil, false
			}
			return k.Bytes(), true
		},
	}, mustPrintable("curve448"), mustPrintable("X448"))
)

// X448PublicKey is an X448 public key: RFC 7748's 56-byte u-coordinate.
// It plays the part *ecdh.PublicKey plays for X25519, which crypto/ecdh
// has and X448 lacks.
type X448PublicKey struct{ u x448.Key }

// NewX448PublicKey returns the X448 public key of RFC 7748's 56-byte
// u-coordinate u.
func NewX448PublicKey(u []byte) (*X448PublicKey, error) {
	if len(u) != x448.Size {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "an X448 public key is %d bytes, not %d", x448.Size, len(u))
	}
	pub := new(X448PublicKey)
	copy(pub.u[:], u)
	return pub, nil
}

// Bytes returns the public key's 56 bytes.
func (k *X448PublicKey) Bytes() []byte { return append([]byte(nil), k.u[:]...) }

// Equal reports whether x is the same X448 public key.
func (k *X448PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*X448PublicKey)
	return ok && subtle.ConstantTimeCompare(k.u[:], o.u[:]) == 1
}

// X448PrivateKey is an X448 private key: RFC 7748's 56-byte scalar and
// the public key it gives. It plays the part *ecdh.PrivateKey plays for
// X25519.
type X448PrivateKey struct {
	scalar x448.Key
	pub    X448PublicKey
}

// Bytes returns the private key's scalar, as CKA_VALUE holds it.
func (k *X448PrivateKey) Bytes() []byte { return append([]byte(nil), k.scalar[:]...) }

// Public returns the public key, an *X448PublicKey.
func (k *X448PrivateKey) Public() crypto.PublicKey {
	pub := k.pub
	return &pub
}

// errX448LowOrder is the error of ECDH with a low-order public key.
var errX448LowOrder = errors.New("X448: the peer's public key is a low-order point: the shared secret is zero")

// ECDH returns the X448 shared secret of k and remote (RFC 7748 section
// 6.2), refusing, as crypto/ecdh does for X25519, a remote key of low
// order, which would make the secret all zeros.
func (k *X448PrivateKey) ECDH(remote *X448PublicKey) ([]byte, error) {
	var shared x448.Key
	if !x448.Shared(&shared, &k.scalar, &remote.u) {
		return nil, errX448LowOrder
	}
	return shared[:], nil
}
