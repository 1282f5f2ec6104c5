package mech

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"math/big"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// EC mechanisms work on the curves object.Curves lists, P-256 to P-521,
// given by named-curve OID, with uncompressed points.
var ecInfo = Info{MinKeySize: 256, MaxKeySize: 521, Flags: ck.CKF_EC_F_P | ck.CKF_EC_NAMEDCURVE | ck.CKF_EC_UNCOMPRESS}

func init() {
	register(&Mechanism{
		Type:            ck.CKM_EC_KEY_PAIR_GEN,
		Packages:        "crypto/ecdsa",
		Info:            Info{ecInfo.MinKeySize, ecInfo.MaxKeySize, ecInfo.Flags | ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_EC},
		GenerateKeyPair: generateEC,
	})
	registerECDSA(ck.CKM_ECDSA, 0)
	for _, d := range hashes {
		registerECDSA(d.ecdsa, d.hash)
	}
}

// registerECDSA registers CKM_ECDSA (h == 0: the caller passes the hash)
// or one of its hash-then-sign variants. Signatures are r || s, each
// padded to the curve's size, as the spec defines for ECDSA.
func registerECDSA(t ck.MechanismType, h crypto.Hash) {
	register(&Mechanism{
		Type:       t,
		Packages:   withHash("crypto/ecdsa", h),
		Backed:     true,
		Info:       Info{ecInfo.MinKeySize, ecInfo.MaxKeySize, ecInfo.Flags | ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes:   []ck.KeyType{ck.CKK_EC},
		SinglePart: h == 0,
		NewSigner: func(key any, _ Param) (Signer, error) {
			priv, ok := key.(*ecdsa.PrivateKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an EC private key", t)
			}
			return &ecdsaSigner{feed: newFeed(h), key: priv}, nil
		},
		NewVerifier: func(key any, _ Param) (Verifier, error) {
			pub, ok := key.(*ecdsa.PublicKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an EC public key", t)
			}
			return &ecdsaVerifier{feed: newFeed(h), key: pub}, nil
		},
	})
}

func curveSize(pub *ecdsa.PublicKey) int { return (pub.Curve.Params().BitSize + 7) / 8 }

type ecdsaSigner struct {
	feed
	key *ecdsa.PrivateKey
}

func (s *ecdsaSigner) Len() int { return 2 * curveSize(&s.key.PublicKey) }

// Sign signs with the installed Backend or SignASN1 and takes r and s
// out of the DER, which costs less than ecdsa.Sign's big integers on
// every signature.
func (s *ecdsaSigner) Sign(data []byte) ([]byte, error) {
	digest := s.message(data)
	der, ok := []byte(nil), false
	if b := installed(); b != nil {
		der, ok = b.SignECDSA(s.key, digest)
	}
	if !ok {
		var err error
		if der, err = ecdsa.SignASN1(rand.Reader, s.key, digest); err != nil {
			return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
		}
	}
	sig, err := pki.ECDSASignatureToRaw(der, curveSize(&s.key.PublicKey))
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

type ecdsaVerifier struct {
	feed
	key *ecdsa.PublicKey
}

func (v *ecdsaVerifier) Len() int { return 2 * curveSize(v.key) }

func (v *ecdsaVerifier) Verify(data, sig []byte) error {
	msg := v.message(data)
	n := curveSize(v.key)
	if len(sig) != 2*n {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an ECDSA signature on this curve is %d bytes, not %d", 2*n, len(sig))
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	if !ecdsa.Verify(v.key, msg, r, s) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

func generateEC(_ Param, pub, priv object.Template) (object.Template, object.Template, error) {
	params, ok := pub.Find(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_EC_PARAMS")
	}
	curve, err := object.CurveByParams(params)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(curve.Curve, rand.Reader)
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return keyPairMaterial(key, &key.PublicKey)
}
