package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/corepkcs11/corepkcs11/object"
)

// Keys of the curves of RFC 8410 (Ed25519, Ed448, X25519, X448) are read
// and written here, in PKCS#8 and SubjectPublicKeyInfo, because Go's
// x509 knows only Ed25519 and X25519 of them. The encodings are RFC
// 8410's: an AlgorithmIdentifier of the curve's OID without parameters,
// the private key as an OCTET STRING inside PKCS#8's privateKey OCTET
// STRING, and the public key's bytes as the BIT STRING.

// ParsePKCS8PrivateKey parses a PKCS#8 private key: what
// x509.ParsePKCS8PrivateKey parses, and also Ed448 and X448 keys, as
// ed448.PrivateKey and *object.X448PrivateKey, and ML-DSA keys (RFC 9881)
// as circl's. Keys of RFC 8410's curves
// may be in PKCS#8 v1 or, with their public key, v2 (RFC 5958), whose
// public key must then be the private key's.
func ParsePKCS8PrivateKey(der []byte) (crypto.PrivateKey, error) {
	input := cryptobyte.String(der)
	var seq, algo, inner, value cryptobyte.String
	var version int
	var oid asn1.ObjectIdentifier
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !input.Empty() || !seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1(&algo, cbasn1.SEQUENCE) || !algo.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("pki: not a PKCS#8 private key")
	}
	if _, ok := object.MLDSAByOID(oid); ok {
		return parseMLDSAPKCS8(der)
	}
	c, ok := object.OctetCurveByOID(oid)
	if !ok {
		return x509.ParsePKCS8PrivateKey(der)
	}
	var hasPub bool
	var pubBits cryptobyte.String
	if !algo.Empty() {
		return nil, fmt.Errorf("pki: PKCS#8 %s key with algorithm parameters, which RFC 8410 forbids", c.Name)
	}
	if (version != 0 && version != 1) || !seq.ReadASN1(&inner, cbasn1.OCTET_STRING) || !inner.ReadASN1(&value, cbasn1.OCTET_STRING) || !inner.Empty() ||
		!seq.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!seq.ReadOptionalASN1(&pubBits, &hasPub, cbasn1.Tag(1).ContextSpecific()) || !seq.Empty() {
		return nil, fmt.Errorf("pki: malformed PKCS#8 %s private key", c.Name)
	}
	if hasPub && version != 1 {
		return nil, fmt.Errorf("pki: PKCS#8 v1 %s private key with a public key, which only v2 carries", c.Name)
	}
	priv, pub, err := c.NewPrivateKey(value)
	if err != nil {
		return nil, fmt.Errorf("pki: PKCS#8 %s private key: %w", c.Name, err)
	}
	if hasPub {
		_, raw, _ := object.OctetPublicKey(pub)
		if len(pubBits) == 0 || pubBits[0] != 0 || string(pubBits[1:]) != string(raw) {
			return nil, fmt.Errorf("pki: the PKCS#8 %s key's public key is not its private key's", c.Name)
		}
	}
	return priv, nil
}

// MarshalPKCS8PrivateKey encodes a private key in PKCS#8: as
// x509.MarshalPKCS8PrivateKey does, Ed448 and X448 keys too (v1, without
// the public key, as Go writes Ed25519 and X25519 keys), and ML-DSA keys
// as RFC 9881 does.
func MarshalPKCS8PrivateKey(key crypto.PrivateKey) ([]byte, error) {
	if der, ok := marshalMLDSAPKCS8(key); ok {
		return der, nil
	}
	c, value, ok := object.OctetPrivateKey(key)
	if !ok {
		return x509.MarshalPKCS8PrivateKey(key)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(c.OID) })
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1OctetString(value) })
	})
	return b.Bytes()
}
