package mech

import "github.com/corepkcs11/corepkcs11/ck"

// CKM_EC_MONTGOMERY_KEY_PAIR_GEN makes X25519 (crypto/ecdh) and X448
// (circl's dh/x448) key pairs, for key agreement, on the curve the public
// key template's CKA_EC_PARAMS names by OID or by name
// (object.OctetCurveByParams). PKCS#11 counts their key sizes in bits of
// the curve's field: 255 and 448.
func init() {
	register(&Mechanism{
		Type:            ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
		Packages:        "crypto/ecdh, github.com/cloudflare/circl/dh/x448",
		Info:            Info{MinKeySize: 255, MaxKeySize: 448, Flags: ck.CKF_EC_NAMEDCURVE | ck.CKF_EC_CURVENAME | ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_EC_MONTGOMERY},
		GenerateKeyPair: generateOctet(ck.CKK_EC_MONTGOMERY),
	})
}
