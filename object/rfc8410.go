package object

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"slices"
	"strings"

	"github.com/corepkcs11/corepkcs11/ck"
)

// OctetCurve is a curve of RFC 7748 or RFC 8032 whose keys are byte
// strings, not the points and scalars of crypto/ecdsa: Ed25519 and Ed448
// (CKK_EC_EDWARDS, edwards.go), X25519 and X448 (CKK_EC_MONTGOMERY,
// montgomery.go). RFC 8410 gives each an OID, which names it in
// CKA_EC_PARAMS, SubjectPublicKeyInfo and PKCS#8.
type OctetCurve struct {
	Name    string     // RFC 8410's name: Ed25519, Ed448, X25519 or X448
	KeyType ck.KeyType // CKK_EC_EDWARDS or CKK_EC_MONTGOMERY
	// Bits is the curve's key size as CK_MECHANISM_INFO counts it: the
	// bits of its field, 255 or 448.
	Bits int
	// OID is RFC 8410's algorithm identifier.
	OID asn1.ObjectIdentifier
	// Params is the CKA_EC_PARAMS the token gives a key it makes or
	// imports: the DER of OID.
	Params []byte
	// PublicSize is the length of a public key, PrivateSize that of a
	// private key's CKA_VALUE: RFC 8032's seed, or RFC 7748's scalar.
	PublicSize, PrivateSize int

	// names are the CKA_EC_PARAMS values that name the curve: Params and
	// the others PKCS#11 3.0 (section 2.3.7) and applications use.
	names [][]byte
	// newPublic and newPrivate turn key bytes of the right length into
	// the Go values Object.Key returns; publicBytes and privateBytes
	// take them back, for keys of this curve.
	newPublic    func(raw []byte) (crypto.PublicKey, error)
	newPrivate   func(value []byte) (crypto.PrivateKey, crypto.PublicKey, error)
	publicBytes  func(crypto.PublicKey) ([]byte, bool)
	privateBytes func(crypto.PrivateKey) ([]byte, bool)
}

// octetCurve fills in the encodings of a curve named by oid, and also by
// the PrintableStrings and other OIDs in aliases.
func octetCurve(c OctetCurve, aliases ...[]byte) *OctetCurve {
	c.Params = mustOID(c.OID)
	c.names = append([][]byte{c.Params}, aliases...)
	return &c
}

func mustPrintable(s string) []byte {
	b, err := asn1.MarshalWithParams(s, "printable")
	if err != nil {
		panic(err)
	}
	return b
}

// OctetCurves lists the supported curves of RFC 7748 and RFC 8032.
var OctetCurves = []*OctetCurve{ed25519Curve, ed448Curve, x25519Curve, x448Curve}

// OctetCurveByParams finds the curve a CKA_EC_PARAMS value names.
func OctetCurveByParams(params []byte) (*OctetCurve, bool) {
	for _, c := range OctetCurves {
		if slices.ContainsFunc(c.names, func(n []byte) bool { return bytes.Equal(n, params) }) {
			return c, true
		}
	}
	return nil, false
}

// OctetCurveByOID finds the curve of an RFC 8410 algorithm identifier.
func OctetCurveByOID(oid asn1.ObjectIdentifier) (*OctetCurve, bool) {
	for _, c := range OctetCurves {
		if c.OID.Equal(oid) {
			return c, true
		}
	}
	return nil, false
}

// octetCurvesOf names the supported curves of key type kt, for errors.
func octetCurvesOf(kt ck.KeyType) string {
	var names []string
	for _, c := range OctetCurves {
		if c.KeyType == kt {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}

// Point encodes a public key of the curve as CKA_EC_POINT: a DER OCTET
// STRING holding the key's bytes (RFC 8032's encoding, or RFC 7748's
// u-coordinate), as PKCS#11 3.0 gives CKA_EC_POINT of every curve.
func (c *OctetCurve) Point(raw []byte) []byte {
	b, _ := asn1.Marshal(raw)
	return b
}

// ParsePoint reads a public key of the curve from CKA_EC_POINT: a DER
// OCTET STRING or, as some applications send it, the bare key bytes.
func (c *OctetCurve) ParsePoint(v []byte) (crypto.PublicKey, error) {
	raw := v
	if len(v) != c.PublicSize {
		var inner []byte
		rest, err := asn1.Unmarshal(v, &inner)
		if err != nil || len(rest) != 0 || len(inner) != c.PublicSize {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT is not a %d-byte %s public key", c.PublicSize, c.Name)
		}
		raw = inner
	}
	return c.NewPublicKey(raw)
}

// NewPublicKey makes the Go value of a public key from its bytes.
func (c *OctetCurve) NewPublicKey(raw []byte) (crypto.PublicKey, error) {
	if len(raw) != c.PublicSize {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "a %s public key is %d bytes, not %d", c.Name, c.PublicSize, len(raw))
	}
	return c.newPublic(bytes.Clone(raw))
}

// NewPrivateKey makes the Go values of a private key and its public key
// from the private key's CKA_VALUE.
func (c *OctetCurve) NewPrivateKey(value []byte) (crypto.PrivateKey, crypto.PublicKey, error) {
	if len(value) != c.PrivateSize {
		return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of a %s private key is %d bytes, not %d", c.Name, c.PrivateSize, len(value))
	}
	return c.newPrivate(bytes.Clone(value))
}

// OctetPublicKey finds the curve and the bytes of a public key of an
// OctetCurve: an ed25519.PublicKey, an ed448.PublicKey, an X25519
// *ecdh.PublicKey or an *X448PublicKey.
func OctetPublicKey(pub crypto.PublicKey) (*OctetCurve, []byte, bool) {
	for _, c := range OctetCurves {
		if raw, ok := c.publicBytes(pub); ok {
			return c, raw, true
		}
	}
	return nil, nil, false
}

// OctetPrivateKey finds the curve and the CKA_VALUE of a private key of
// an OctetCurve: an ed25519.PrivateKey or ed448.PrivateKey (whose seed
// it is), an X25519 *ecdh.PrivateKey or an *X448PrivateKey (whose
// scalar it is).
func OctetPrivateKey(priv crypto.PrivateKey) (*OctetCurve, []byte, bool) {
	for _, c := range OctetCurves {
		if v, ok := c.privateBytes(priv); ok {
			return c, v, true
		}
	}
	return nil, nil, false
}

// finishOctet checks and parses an Edwards or Montgomery key: its curve,
// and its CKA_EC_POINT or CKA_VALUE, whose CKA_EC_POINT is stored in the
// spec's DER form whichever form it was given in.
func (o *Object) finishOctet() error {
	kt := ck.KeyType(o.sub)
	c, ok := OctetCurveByParams(o.attrs[ck.CKA_EC_PARAMS])
	if !ok || c.KeyType != kt {
		return ck.Errorf(ck.CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS names no %v curve this token supports (%s)", kt, octetCurvesOf(kt))
	}
	var pub crypto.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		var err error
		if pub, err = c.ParsePoint(o.attrs[ck.CKA_EC_POINT]); err != nil {
			return err
		}
		_, raw, _ := OctetPublicKey(pub)
		o.attrs[ck.CKA_EC_POINT] = c.Point(raw)
		o.key = pub
	} else {
		value, ok := o.attrs[ck.CKA_VALUE]
		if !ok {
			return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_VALUE", o.describe())
		}
		priv, p, err := c.NewPrivateKey(value)
		if err != nil {
			return err
		}
		o.key, pub = priv, p
	}
	return o.setPublicKeyInfo(pub)
}
