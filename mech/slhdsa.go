package mech

import (
	"crypto/rand"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// SLH-DSA mechanisms (PKCS#11 3.2 section 6.68) give their key sizes as
// the public key's length in bytes: 32 (the 128-bit sets) to 64 (the
// 256-bit sets).
var slhdsaInfo = Info{MinKeySize: 32, MaxKeySize: 64}

// HashSLH-DSA (CKM_HASH_SLH_DSA and CKM_HASH_SLH_DSA_SHA*) is not offered yet.
func init() {
	register(&Mechanism{
		Type:            ck.CKM_SLH_DSA_KEY_PAIR_GEN,
		Packages:        "github.com/cloudflare/circl/sign/slhdsa",
		Info:            Info{slhdsaInfo.MinKeySize, slhdsaInfo.MaxKeySize, ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_SLH_DSA},
		GenerateKeyPair: generateSLHDSA,
	})
	register(&Mechanism{
		Type:     ck.CKM_SLH_DSA,
		Packages: "github.com/cloudflare/circl/sign/slhdsa",
		Info:     Info{slhdsaInfo.MinKeySize, slhdsaInfo.MaxKeySize, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_SLH_DSA},
		Param:    SignContextParam,
		NewSigner: func(key any, p Param) (Signer, error) {
			priv, ok := key.(*slhdsa.PrivateKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_SLH_DSA needs an SLH-DSA private key")
			}
			sc, err := signContext(ck.CKM_SLH_DSA, p)
			if err != nil {
				return nil, err
			}
			return &slhdsaSigner{feed: &boundedBuffer{max: maxPQMessage}, key: priv, ctx: sc.Context,
				hedged: sc.Hedge != ck.CKH_DETERMINISTIC_REQUIRED}, nil
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			pub, ok := key.(*slhdsa.PublicKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_SLH_DSA needs an SLH-DSA public key")
			}
			sc, err := signContext(ck.CKM_SLH_DSA, p)
			if err != nil {
				return nil, err
			}
			return &slhdsaVerifier{feed: &boundedBuffer{max: maxPQMessage}, key: pub, ctx: sc.Context}, nil
		},
	})
}

type slhdsaSigner struct {
	feed
	key    *slhdsa.PrivateKey
	ctx    []byte
	hedged bool // CKH_HEDGE_PREFERRED is hedged, as FIPS 205 recommends
}

func (s *slhdsaSigner) Len() int { return s.key.ID.Scheme().SignatureSize() }

func (s *slhdsaSigner) Sign(data []byte) ([]byte, error) {
	msg := slhdsa.NewMessage(s.message(data))
	var sig []byte
	var err error
	if s.hedged {
		sig, err = slhdsa.SignRandomized(s.key, rand.Reader, msg, s.ctx)
	} else {
		sig, err = slhdsa.SignDeterministic(s.key, msg, s.ctx)
	}
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

type slhdsaVerifier struct {
	feed
	key *slhdsa.PublicKey
	ctx []byte
}

func (v *slhdsaVerifier) Len() int { return v.key.ID.Scheme().SignatureSize() }

func (v *slhdsaVerifier) Verify(data, sig []byte) error {
	msg := slhdsa.NewMessage(v.message(data))
	if len(sig) != v.Len() {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an %v signature is %d bytes, not %d", v.key.ID, v.Len(), len(sig))
	}
	if !slhdsa.Verify(v.key, msg, sig, v.ctx) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// generateSLHDSA makes an SLH-DSA key pair of the parameter set the
// public key template names.
func generateSLHDSA(_ Param, pub, _ object.Template) (object.Template, object.Template, error) {
	set, ok := pub.ULong(ck.CKA_PARAMETER_SET)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_PARAMETER_SET")
	}
	p, ok := object.SLHDSAParameterSet(set)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an SLH-DSA parameter set", set)
	}
	pk, sk, err := slhdsa.GenerateKey(rand.Reader, p.ID)
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	pkBytes, _ := pk.MarshalBinary()
	skBytes, _ := sk.MarshalBinary()
	keyType := object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_SLH_DSA))
	pubMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), keyType, object.Bytes(ck.CKA_VALUE, pkBytes)}
	privMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), keyType,
		object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_VALUE, skBytes)}
	return pubMaterial, privMaterial, nil
}
