package object

import (
	"encoding/asn1"

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

// parameterSet reads CKA_PARAMETER_SET, which the schema requires.
func (o *Object) parameterSet() (uint, error) {
	set, ok := DecodeULong(o.attrs[ck.CKA_PARAMETER_SET])
	if !ok {
		return 0, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_PARAMETER_SET", o.describe())
	}
	return set, nil
}
