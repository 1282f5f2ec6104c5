package object

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Curve is an elliptic curve this token supports, with the DER encoding
// of its named-curve OID as CKA_EC_PARAMS carries it.
type Curve struct {
	Name   string
	Curve  elliptic.Curve
	Params []byte // DER OBJECT IDENTIFIER
}

// Curves lists the supported curves.
var Curves = []Curve{
	{"P-256", elliptic.P256(), mustOID(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})},
	{"P-384", elliptic.P384(), mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 34})},
	{"P-521", elliptic.P521(), mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 35})},
}

func mustOID(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err)
	}
	return b
}

// CurveByParams finds the curve named by a CKA_EC_PARAMS value.
func CurveByParams(params []byte) (Curve, error) {
	for _, c := range Curves {
		if bytes.Equal(c.Params, params) {
			return c, nil
		}
	}
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(params, &oid); err != nil || len(rest) != 0 {
		return Curve{}, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS is not a named-curve OID")
	}
	return Curve{}, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS: curve %v is not supported", oid)
}

// CurveOf returns the supported curve c belongs to.
func CurveOf(c elliptic.Curve) (Curve, bool) {
	for _, sc := range Curves {
		if sc.Curve == c {
			return sc, true
		}
	}
	return Curve{}, false
}

// ECPoint encodes a public key as CKA_EC_POINT: a DER OCTET STRING
// holding the uncompressed point.
func ECPoint(pub *ecdsa.PublicKey) []byte {
	raw, err := pub.Bytes()
	if err != nil {
		panic(err) // only for keys on curves Go does not implement
	}
	b, _ := asn1.Marshal(raw)
	return b
}

// ParseECPoint reads a CKA_EC_POINT of the curve CKA_EC_PARAMS names.
func ParseECPoint(params, point []byte) (*ecdsa.PublicKey, error) {
	c, err := CurveByParams(params)
	if err != nil {
		return nil, err
	}
	return parseECPoint(c, point)
}

// parseECPoint accepts CKA_EC_POINT as the spec's DER OCTET STRING or, as
// many applications send it, the bare uncompressed point.
func parseECPoint(c Curve, v []byte) (*ecdsa.PublicKey, error) {
	raw := v
	size := (c.Curve.Params().BitSize + 7) / 8
	if len(v) != 1+2*size {
		var inner []byte
		rest, err := asn1.Unmarshal(v, &inner)
		if err != nil || len(rest) != 0 {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT is neither a DER OCTET STRING nor an uncompressed %s point", c.Name)
		}
		raw = inner
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(c.Curve, raw)
	if err != nil {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT: %v", err)
	}
	return pub, nil
}

func (o *Object) finishEC() error {
	c, err := CurveByParams(o.attrs[ck.CKA_EC_PARAMS])
	if err != nil {
		return err
	}
	var pub *ecdsa.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		pub, err = parseECPoint(c, o.attrs[ck.CKA_EC_POINT])
		if err != nil {
			return err
		}
		o.attrs[ck.CKA_EC_POINT] = ECPoint(pub)
		o.key = pub
	} else {
		d, ok := o.attrs[ck.CKA_VALUE]
		if !ok {
			return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_VALUE", o.describe())
		}
		size := (c.Curve.Params().BitSize + 7) / 8
		if len(d) > size {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is longer than a %s scalar", c.Name)
		}
		padded := make([]byte, size)
		copy(padded[size-len(d):], d)
		priv, err := ecdsa.ParseRawPrivateKey(c.Curve, padded)
		if err != nil {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is not a %s private key: %v", c.Name, err)
		}
		o.key = priv
		pub = &priv.PublicKey
	}
	return o.setPublicKeyInfo(pub)
}
