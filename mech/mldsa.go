package mech

import (
	"crypto/rand"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// ML-DSA mechanisms (PKCS#11 3.2 section 6.67) give their key sizes as
// the public key's length in bytes: 1312 (ML-DSA-44) to 2592 (ML-DSA-87).
var mldsaInfo = Info{MinKeySize: uint(mldsa44.PublicKeySize), MaxKeySize: uint(mldsa87.PublicKeySize)}

// maxSignContext is the longest context FIPS 204 and FIPS 205 allow.
const maxSignContext = 255

// maxPQMessage bounds the message of a multi-part ML-DSA or SLH-DSA
// signature: circl signs a message whole, so it is kept until the end.
const maxPQMessage = 64 << 20

// HashML-DSA (CKM_HASH_ML_DSA and CKM_HASH_ML_DSA_SHA*) is not offered:
// circl v1.6.5 implements pure ML-DSA only.
func init() {
	register(&Mechanism{
		Type:            ck.CKM_ML_DSA_KEY_PAIR_GEN,
		Packages:        "github.com/cloudflare/circl/sign/mldsa",
		Info:            Info{mldsaInfo.MinKeySize, mldsaInfo.MaxKeySize, ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_ML_DSA},
		GenerateKeyPair: generateMLDSA,
	})
	register(&Mechanism{
		Type:     ck.CKM_ML_DSA,
		Packages: "github.com/cloudflare/circl/sign/mldsa",
		Info:     Info{mldsaInfo.MinKeySize, mldsaInfo.MaxKeySize, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_ML_DSA},
		Param:    SignContextParam,
		NewSigner: func(key any, p Param) (Signer, error) {
			priv, ok := key.(sign.PrivateKey)
			if _, isMLDSA := object.MLDSAOf(schemeOf(priv)); !ok || !isMLDSA {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_ML_DSA needs an ML-DSA private key")
			}
			sc, err := signContext(ck.CKM_ML_DSA, p)
			if err != nil {
				return nil, err
			}
			return &mldsaSigner{feed: &boundedBuffer{max: maxPQMessage}, key: priv, ctx: sc.Context,
				hedged: sc.Hedge != ck.CKH_DETERMINISTIC_REQUIRED}, nil
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			pub, ok := key.(sign.PublicKey)
			if _, isMLDSA := object.MLDSAOf(schemeOf(pub)); !ok || !isMLDSA {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_ML_DSA needs an ML-DSA public key")
			}
			sc, err := signContext(ck.CKM_ML_DSA, p)
			if err != nil {
				return nil, err
			}
			return &mldsaVerifier{feed: &boundedBuffer{max: maxPQMessage}, key: pub, ctx: sc.Context}, nil
		},
	})
}

// schemeOf is the circl scheme of an ML-DSA key, or nil.
func schemeOf(key interface{ Scheme() sign.Scheme }) sign.Scheme {
	if key == nil {
		return nil
	}
	return key.Scheme()
}

// signContext reads the optional CK_SIGN_ADDITIONAL_CONTEXT of an ML-DSA
// or SLH-DSA mechanism; none is hedging preferred and no context. The
// context is copied: the parameter may be the caller's memory.
func signContext(t ck.MechanismType, p Param) (SignContext, error) {
	if p == nil {
		return SignContext{Hedge: ck.CKH_HEDGE_PREFERRED}, nil
	}
	sc, err := paramAs[SignContext](t, p)
	if err != nil {
		return SignContext{}, err
	}
	switch {
	case sc.Hedge != ck.CKH_HEDGE_PREFERRED && sc.Hedge != ck.CKH_HEDGE_REQUIRED && sc.Hedge != ck.CKH_DETERMINISTIC_REQUIRED:
		return SignContext{}, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: hedgeVariant %#x is not a CKH_ value", t, uint(sc.Hedge))
	case len(sc.Context) > maxSignContext:
		return SignContext{}, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: a context of %d bytes, at most %d", t, len(sc.Context), maxSignContext)
	}
	sc.Context = append([]byte(nil), sc.Context...)
	return sc, nil
}

type mldsaSigner struct {
	feed
	key    sign.PrivateKey
	ctx    []byte
	hedged bool // CKH_HEDGE_PREFERRED is hedged: FIPS 204 recommends it
}

func (s *mldsaSigner) Len() int { return s.key.Scheme().SignatureSize() }

func (s *mldsaSigner) Sign(data []byte) ([]byte, error) {
	msg := s.message(data)
	sig := make([]byte, s.Len())
	var err error
	switch k := s.key.(type) {
	case *mldsa44.PrivateKey:
		err = mldsa44.SignTo(k, msg, s.ctx, s.hedged, sig)
	case *mldsa65.PrivateKey:
		err = mldsa65.SignTo(k, msg, s.ctx, s.hedged, sig)
	case *mldsa87.PrivateKey:
		err = mldsa87.SignTo(k, msg, s.ctx, s.hedged, sig)
	}
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

type mldsaVerifier struct {
	feed
	key sign.PublicKey
	ctx []byte
}

func (v *mldsaVerifier) Len() int { return v.key.Scheme().SignatureSize() }

func (v *mldsaVerifier) Verify(data, sig []byte) error {
	msg := v.message(data)
	if len(sig) != v.Len() {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an ML-DSA signature of this key is %d bytes, not %d", v.Len(), len(sig))
	}
	if !v.key.Scheme().Verify(v.key, msg, sig, &sign.SignatureOpts{Context: string(v.ctx)}) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// generateMLDSA makes an ML-DSA key pair of the parameter set the public
// key template names, from a fresh seed, which the private key keeps in
// CKA_SEED beside the expanded key.
func generateMLDSA(_ Param, pub, _ object.Template) (object.Template, object.Template, error) {
	set, ok := pub.ULong(ck.CKA_PARAMETER_SET)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_PARAMETER_SET")
	}
	p, ok := object.MLDSAParameterSet(set)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an ML-DSA parameter set", set)
	}
	seed := make([]byte, object.MLDSASeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	pk, sk := p.Scheme.DeriveKey(seed)
	pkBytes, _ := pk.MarshalBinary()
	skBytes, _ := sk.MarshalBinary()
	keyType := object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_DSA))
	pubMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), keyType, object.Bytes(ck.CKA_VALUE, pkBytes)}
	privMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), keyType,
		object.ULong(ck.CKA_PARAMETER_SET, p.Set), object.Bytes(ck.CKA_SEED, seed), object.Bytes(ck.CKA_VALUE, skBytes)}
	return pubMaterial, privMaterial, nil
}
