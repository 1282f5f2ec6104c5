package object

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
)

// The post-quantum key types of PKCS#11 3.2 (ML-DSA, SLH-DSA) name their
// parameter set in CKA_PARAMETER_SET, a CK_ULONG, and keep a private
// key's seed in CKA_SEED.
func init() {
	kinds[ck.CKA_PARAMETER_SET] = KindULong
	kinds[ck.CKA_SEED] = KindBytes
}

// nistSigAlgs is the arc of NIST's signature algorithm OIDs (CSOR
// sigAlgs, 2.16.840.1.101.3.4.3): ML-DSA and SLH-DSA keys are named by
// one OID per parameter set under it.
func nistSigAlg(n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, n}
}

// publicKeyInfo is an X.509 SubjectPublicKeyInfo.
type publicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// MarshalPublicKeyInfo encodes a SubjectPublicKeyInfo whose algorithm is
// oid without parameters, as RFC 9881 (ML-DSA) and RFC 9909 (SLH-DSA)
// require, and whose key is the raw encoding pub. Go's crypto/x509 does
// not know these algorithms.
func MarshalPublicKeyInfo(oid asn1.ObjectIdentifier, pub []byte) []byte {
	der, err := asn1.Marshal(publicKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oid},
		PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)},
	})
	if err != nil {
		panic(err) // an OID and a byte string always encode
	}
	return der
}

// ParsePublicKeyInfo reads a SubjectPublicKeyInfo whose algorithm has no
// parameters: its OID and the raw public key.
func ParsePublicKeyInfo(der []byte) (asn1.ObjectIdentifier, []byte, error) {
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

// setRawPublicKeyInfo fills CKA_PUBLIC_KEY_INFO from an algorithm OID and
// a raw public key, or checks the one the template gave.
func (o *Object) setRawPublicKeyInfo(oid asn1.ObjectIdentifier, pub []byte) error {
	spki := MarshalPublicKeyInfo(oid, pub)
	if given, ok := o.attrs[ck.CKA_PUBLIC_KEY_INFO]; ok && len(given) > 0 && !bytes.Equal(given, spki) {
		return ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_PUBLIC_KEY_INFO does not match the key")
	}
	o.attrs[ck.CKA_PUBLIC_KEY_INFO] = spki
	return nil
}

// parameterSet reads CKA_PARAMETER_SET, which the schema requires.
func (o *Object) parameterSet() (uint, error) {
	set, ok := DecodeULong(o.attrs[ck.CKA_PARAMETER_SET])
	if !ok {
		return 0, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_PARAMETER_SET", o.describe())
	}
	return set, nil
}
