package object

import (
	"bytes"
	"crypto/ed25519"
	"encoding/asn1"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Ed25519Params is the CKA_EC_PARAMS this token gives an Ed25519 key it
// is not told one for: the RFC 8410 OID id-Ed25519, 1.3.101.112.
var Ed25519Params = mustOID(asn1.ObjectIdentifier{1, 3, 101, 112})

// ed25519Params are the CKA_EC_PARAMS values that name Ed25519. PKCS#11
// 3.0 (section 2.3.7) allows the curve's OID or its name as a
// PrintableString; pkcs11-tool sends the name, OpenSSL and GnuPG the RFC
// 8410 OID, and older GnuPG its own OID 1.3.6.1.4.1.11591.15.1.
var ed25519Params = [][]byte{
	Ed25519Params,
	mustPrintable("edwards25519"),
	mustPrintable("Ed25519"),
	mustOID(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 15, 1}),
}

func mustPrintable(s string) []byte {
	b, err := asn1.MarshalWithParams(s, "printable")
	if err != nil {
		panic(err)
	}
	return b
}

// IsEd25519Params reports whether a CKA_EC_PARAMS value names Ed25519.
func IsEd25519Params(params []byte) bool {
	for _, p := range ed25519Params {
		if bytes.Equal(p, params) {
			return true
		}
	}
	return false
}

// EdwardsPoint encodes an Ed25519 public key as CKA_EC_POINT: a DER
// OCTET STRING holding the 32-byte encoding of RFC 8032.
func EdwardsPoint(pub ed25519.PublicKey) []byte {
	b, _ := asn1.Marshal([]byte(pub))
	return b
}

// ParseEdwardsPoint reads an Ed25519 key's CKA_EC_POINT: a DER OCTET
// STRING or, as some applications send it, the bare 32 bytes.
func ParseEdwardsPoint(v []byte) (ed25519.PublicKey, error) {
	raw := v
	if len(v) != ed25519.PublicKeySize {
		var inner []byte
		rest, err := asn1.Unmarshal(v, &inner)
		if err != nil || len(rest) != 0 || len(inner) != ed25519.PublicKeySize {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT is not a 32-byte Ed25519 public key")
		}
		raw = inner
	}
	return ed25519.PublicKey(bytes.Clone(raw)), nil
}

func (o *Object) finishEdwards() error {
	if !IsEd25519Params(o.attrs[ck.CKA_EC_PARAMS]) {
		return ck.Errorf(ck.CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS names no Edwards curve this token supports (Ed25519)")
	}
	var pub ed25519.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		var err error
		if pub, err = ParseEdwardsPoint(o.attrs[ck.CKA_EC_POINT]); err != nil {
			return err
		}
		o.attrs[ck.CKA_EC_POINT] = EdwardsPoint(pub)
		o.key = pub
	} else {
		seed, ok := o.attrs[ck.CKA_VALUE]
		if !ok {
			return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_VALUE", o.describe())
		}
		if len(seed) != ed25519.SeedSize {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an Ed25519 private key is its %d-byte seed, not %d bytes", ed25519.SeedSize, len(seed))
		}
		priv := ed25519.NewKeyFromSeed(seed)
		o.key = priv
		pub = priv.Public().(ed25519.PublicKey)
	}
	return o.setPublicKeyInfo(pub)
}
