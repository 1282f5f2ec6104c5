package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// Go's crypto/x509 knows neither ML-DSA, SLH-DSA nor ML-KEM: their public
// keys are circl's (a sign.PublicKey of an ML-DSA scheme, a
// *slhdsa.PublicKey, a kem.PublicKey of an ML-KEM scheme) and are read
// here. circl's SLH-DSA keys are sign keys too, so the type switches look
// for them first.

// ParsePublicKeyInfo parses a DER SubjectPublicKeyInfo, such as
// CKA_PUBLIC_KEY_INFO: what x509.ParsePKIXPublicKey reads, and Ed448 and
// X448 (RFC 8410: ed448.PublicKey, *object.X448PublicKey), ML-DSA (RFC
// 9881), SLH-DSA (RFC 9909) and ML-KEM (circl's kem.PublicKey) keys.
func ParsePublicKeyInfo(der []byte) (crypto.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err == nil {
		return pub, nil
	}
	oid, raw, perr := object.ParseRawPublicKeyInfo(der)
	if perr != nil {
		return nil, err
	}
	if c, ok := object.OctetCurveByOID(oid); ok {
		pub, err := c.NewPublicKey(raw)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		return pub, nil
	}
	if p, ok := object.MLDSAByOID(oid); ok {
		return p.Scheme.UnmarshalBinaryPublicKey(raw)
	}
	for _, p := range object.MLKEMParameterSets {
		if oid.Equal(p.OID) {
			return p.Scheme.UnmarshalBinaryPublicKey(raw)
		}
	}
	for _, p := range object.SLHDSAParameterSets {
		if oid.Equal(p.OID) {
			k := &slhdsa.PublicKey{ID: p.ID}
			if len(raw) != p.ID.Scheme().PublicKeySize() {
				return nil, fmt.Errorf("pki: an %v public key of %d bytes", p.ID, len(raw))
			}
			return k, k.UnmarshalBinary(raw)
		}
	}
	return nil, err
}

// pqPublicKeyTemplate describes an ML-DSA, SLH-DSA or ML-KEM public key
// as a CKO_PUBLIC_KEY, or returns false for other keys.
func pqPublicKeyTemplate(pub any) (object.Template, bool) {
	class := object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY))
	switch k := pub.(type) {
	case *slhdsa.PublicKey:
		if p, ok := object.SLHDSAOf(k.ID); ok {
			raw, _ := k.MarshalBinary()
			return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_SLH_DSA)),
				object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, raw)}, true
		}
	case sign.PublicKey:
		if p, ok := object.MLDSAOf(k.Scheme()); ok {
			raw, _ := k.MarshalBinary()
			return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_DSA)),
				object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, raw)}, true
		}
	case kem.PublicKey:
		if p, ok := object.MLKEMOf(k.Scheme()); ok {
			raw, _ := k.MarshalBinary()
			return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM)),
				object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, raw)}, true
		}
	}
	return nil, false
}

// seeded is an ML-DSA private key of circl, which keeps the seed it was
// made from (nil when it was read from its expanded form).
type seeded interface{ Seed() []byte }

// pqPrivateKeyTemplate describes an ML-DSA or SLH-DSA private key as a
// CKO_PRIVATE_KEY, or returns false for other keys. An ML-DSA key gets
// CKA_SEED when circl kept its seed.
func pqPrivateKeyTemplate(key any) (object.Template, bool) {
	class := object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY))
	switch k := key.(type) {
	case *slhdsa.PrivateKey:
		if p, ok := object.SLHDSAOf(k.ID); ok {
			raw, _ := k.MarshalBinary()
			return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_SLH_DSA)),
				object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, raw)}, true
		}
	case sign.PrivateKey:
		if p, ok := object.MLDSAOf(k.Scheme()); ok {
			raw, _ := k.MarshalBinary()
			t := object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_DSA)),
				object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, raw)}
			if s, ok := k.(seeded); ok && len(s.Seed()) > 0 {
				t = append(t, object.Bytes(ck.CKA_SEED, s.Seed()))
			}
			return t, true
		}
	}
	return nil, false
}

// pkcs8 is a PKCS#8 PrivateKeyInfo (RFC 5958's OneAsymmetricKey, whose
// optional trailing fields are accepted and not read).
type pkcs8 struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
	Rest       []asn1.RawValue `asn1:"optional"`
}

// mldsaBoth is the "both" arm of RFC 9881's ML-DSA private key CHOICE.
type mldsaBoth struct {
	Seed        []byte
	ExpandedKey []byte
}

// parseMLDSAPKCS8 reads an ML-DSA private key in PKCS#8 as RFC 9881
// section 6 encodes it: the seed ([0] IMPLICIT OCTET STRING), the
// expanded key (OCTET STRING), or both (a SEQUENCE of the two, which must
// agree).
func parseMLDSAPKCS8(der []byte) (sign.PrivateKey, error) {
	var info pkcs8
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("pki: not a PKCS#8 PrivateKeyInfo")
	}
	p, ok := object.MLDSAByOID(info.Algorithm.Algorithm)
	if !ok {
		return nil, fmt.Errorf("pki: PKCS#8 algorithm %v is not ML-DSA", info.Algorithm.Algorithm)
	}
	if info.Version != 0 && info.Version != 1 {
		return nil, fmt.Errorf("pki: PKCS#8 version %d", info.Version)
	}
	if len(info.Algorithm.Parameters.FullBytes) != 0 {
		return nil, errors.New("pki: an ML-DSA AlgorithmIdentifier has no parameters")
	}
	var choice asn1.RawValue
	if rest, err := asn1.Unmarshal(info.PrivateKey, &choice); err != nil || len(rest) != 0 {
		return nil, errors.New("pki: the ML-DSA private key is not DER")
	}
	var seed, expanded []byte
	switch {
	case choice.Class == asn1.ClassContextSpecific && choice.Tag == 0 && !choice.IsCompound:
		seed = choice.Bytes
	case choice.Class == asn1.ClassUniversal && choice.Tag == asn1.TagOctetString && !choice.IsCompound:
		expanded = choice.Bytes
	case choice.Class == asn1.ClassUniversal && choice.Tag == asn1.TagSequence:
		var both mldsaBoth
		if rest, err := asn1.Unmarshal(choice.FullBytes, &both); err != nil || len(rest) != 0 {
			return nil, errors.New("pki: the ML-DSA private key's both SEQUENCE is malformed")
		}
		seed, expanded = both.Seed, both.ExpandedKey
	default:
		return nil, errors.New("pki: the ML-DSA private key is none of seed, expandedKey or both")
	}
	var priv sign.PrivateKey
	switch {
	case seed == nil && len(expanded) != p.Scheme.PrivateKeySize():
		return nil, fmt.Errorf("pki: an %s expanded key of %d bytes", p.Name, len(expanded))
	case seed == nil:
		var err error
		if priv, err = p.Scheme.UnmarshalBinaryPrivateKey(expanded); err != nil {
			return nil, fmt.Errorf("pki: %s expanded key: %w", p.Name, err)
		}
	case len(seed) != object.MLDSASeedSize:
		return nil, fmt.Errorf("pki: an ML-DSA seed of %d bytes", len(seed))
	default:
		_, priv = p.Scheme.DeriveKey(seed)
		if raw, _ := priv.MarshalBinary(); expanded != nil && !bytes.Equal(raw, expanded) {
			return nil, errors.New("pki: the ML-DSA expanded key is not the one its seed gives")
		}
	}
	if err := checkPKCS8PublicKey(info, priv); err != nil {
		return nil, err
	}
	return priv, nil
}

// checkPKCS8PublicKey checks the public key a PKCS#8 v2 key may carry
// (RFC 5958's [1] publicKey) against its private key's; a v1 key carries
// none.
func checkPKCS8PublicKey(info pkcs8, priv sign.PrivateKey) error {
	for _, f := range info.Rest {
		if f.Class != asn1.ClassContextSpecific || f.Tag != 1 {
			continue
		}
		pub, _ := priv.Public().(sign.PublicKey).MarshalBinary()
		switch {
		case info.Version != 1:
			return errors.New("pki: a PKCS#8 v1 key with a public key, which only v2 carries")
		case len(f.Bytes) == 0 || f.Bytes[0] != 0 || !bytes.Equal(f.Bytes[1:], pub):
			return errors.New("pki: the PKCS#8 key's public key is not its private key's")
		}
	}
	return nil
}

// marshalMLDSAPKCS8 encodes an ML-DSA private key in PKCS#8 as RFC 9881
// section 6 does: both its seed and its expanded key when circl kept the
// seed, its expanded key alone otherwise. ok is false for other keys.
func marshalMLDSAPKCS8(key crypto.PrivateKey) (der []byte, ok bool) {
	k, isSign := key.(sign.PrivateKey)
	if !isSign {
		return nil, false
	}
	p, isMLDSA := object.MLDSAOf(k.Scheme())
	if !isMLDSA {
		return nil, false
	}
	expanded, _ := k.MarshalBinary()
	var inner []byte
	var err error
	if s, has := k.(seeded); has && len(s.Seed()) > 0 {
		inner, err = asn1.Marshal(mldsaBoth{Seed: s.Seed(), ExpandedKey: expanded})
	} else {
		inner, err = asn1.Marshal(expanded)
	}
	if err == nil {
		der, err = asn1.Marshal(pkcs8{Algorithm: pkix.AlgorithmIdentifier{Algorithm: p.OID}, PrivateKey: inner})
	}
	if err != nil {
		panic(err) // byte strings and an OID always encode
	}
	return der, true
}
