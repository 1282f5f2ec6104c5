package object

import (
	"bytes"
	"crypto"
	"crypto/mlkem"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"

	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
)

// CKA_PUBLIC_KEY_INFO holds an X.509 SubjectPublicKeyInfo. Go's
// crypto/x509 writes those of RSA, EC, Ed25519 and X25519 keys; the
// others (Ed448, X448, ML-KEM, ML-DSA, SLH-DSA) name their algorithm by
// an OID without parameters and carry the raw public key, and are
// written here.

// publicKeyInfo is an X.509 SubjectPublicKeyInfo.
type publicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// RawPublicKeyInfo encodes a SubjectPublicKeyInfo whose algorithm is oid
// without parameters, as RFC 8410 (Ed448, X448), RFC 9881 (ML-DSA), RFC
// 9909 (SLH-DSA) and the ML-KEM profile require, and whose key is the
// raw encoding pub.
func RawPublicKeyInfo(oid asn1.ObjectIdentifier, pub []byte) []byte {
	der, err := asn1.Marshal(publicKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oid},
		PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)},
	})
	if err != nil {
		panic(err) // an OID and a byte string always encode
	}
	return der
}

// ParseRawPublicKeyInfo reads a SubjectPublicKeyInfo whose algorithm has
// no parameters: its OID and the raw public key.
func ParseRawPublicKeyInfo(der []byte) (asn1.ObjectIdentifier, []byte, error) {
	var info publicKeyInfo
	rest, err := asn1.Unmarshal(der, &info)
	switch {
	case err != nil:
		return nil, nil, err
	case len(rest) != 0:
		return nil, nil, errors.New("trailing data after the SubjectPublicKeyInfo")
	case len(info.Algorithm.Parameters.FullBytes) != 0:
		return nil, nil, errors.New("the algorithm has parameters")
	case info.PublicKey.BitLength%8 != 0:
		return nil, nil, errors.New("the public key is not a whole number of bytes")
	}
	return info.Algorithm.Algorithm, info.PublicKey.Bytes, nil
}

// MarshalPublicKeyInfo encodes a public key of any type the token holds
// as CKA_PUBLIC_KEY_INFO holds it. circl's SLH-DSA and Ed448 keys are
// sign keys too, so the ML-DSA case comes after them.
func MarshalPublicKeyInfo(pub crypto.PublicKey) ([]byte, error) {
	if c, raw, ok := OctetPublicKey(pub); ok {
		return RawPublicKeyInfo(c.OID, raw), nil
	}
	switch k := pub.(type) {
	case *slhdsa.PublicKey:
		if p, ok := SLHDSAOf(k.ID); ok {
			raw, _ := k.MarshalBinary()
			return RawPublicKeyInfo(p.OID, raw), nil
		}
	case sign.PublicKey:
		if p, ok := MLDSAOf(k.Scheme()); ok {
			raw, _ := k.MarshalBinary()
			return RawPublicKeyInfo(p.OID, raw), nil
		}
	case kem.PublicKey:
		if p, ok := MLKEMOf(k.Scheme()); ok {
			raw, _ := k.MarshalBinary()
			return RawPublicKeyInfo(p.OID, raw), nil
		}
	case *mlkem.EncapsulationKey768:
		p, _ := MLKEMParameterSet(uint(ck.CKP_ML_KEM_768))
		return RawPublicKeyInfo(p.OID, k.Bytes()), nil
	case *mlkem.EncapsulationKey1024:
		p, _ := MLKEMParameterSet(uint(ck.CKP_ML_KEM_1024))
		return RawPublicKeyInfo(p.OID, k.Bytes()), nil
	}
	return x509.MarshalPKIXPublicKey(pub)
}

// setPublicKeyInfo fills CKA_PUBLIC_KEY_INFO from the key, or checks
// the one the template gave.
func (o *Object) setPublicKeyInfo(pub crypto.PublicKey) error {
	spki, err := MarshalPublicKeyInfo(pub)
	if err != nil {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "public key: %v", err)
	}
	return o.putPublicKeyInfo(spki)
}

// setRawPublicKeyInfo is setPublicKeyInfo for a key given as its
// algorithm's OID and raw encoding.
func (o *Object) setRawPublicKeyInfo(oid asn1.ObjectIdentifier, pub []byte) error {
	return o.putPublicKeyInfo(RawPublicKeyInfo(oid, pub))
}

func (o *Object) putPublicKeyInfo(spki []byte) error {
	if given, ok := o.attrs[ck.CKA_PUBLIC_KEY_INFO]; ok && len(given) > 0 && !bytes.Equal(given, spki) {
		return ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_PUBLIC_KEY_INFO does not match the key")
	}
	o.attrs[ck.CKA_PUBLIC_KEY_INFO] = spki
	return nil
}
