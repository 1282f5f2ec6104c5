package mech

import (
	"crypto"
	"crypto/rand"

	"github.com/cloudflare/circl/sign/slhdsa"
	"github.com/cloudflare/circl/xof"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// SLH-DSA mechanisms (PKCS#11 3.2 section 6.68) give their key sizes as
// the public key's length in bytes: 32 (the 128-bit sets) to 64 (the
// 256-bit sets).
var slhdsaInfo = Info{MinKeySize: 32, MaxKeySize: 64}

// HashSLH-DSA with hashing (CKM_HASH_SLH_DSA_SHA256 …) signs a hash of
// the message the token computes as the parts come, each variant with its
// hash (FIPS 205 section 10.2.2). CKM_HASH_SLH_DSA, whose caller passes
// the hash, is not offered: circl builds a prehashed message only from the
// message itself.
var slhdsaPreHashes = []struct {
	t        ck.MechanismType
	packages string
	newHash  func() (*slhdsa.PreHash, error)
}{
	{ck.CKM_HASH_SLH_DSA_SHA224, hashPackage(crypto.SHA224), preHashWith(crypto.SHA224)},
	{ck.CKM_HASH_SLH_DSA_SHA256, hashPackage(crypto.SHA256), preHashWith(crypto.SHA256)},
	{ck.CKM_HASH_SLH_DSA_SHA384, hashPackage(crypto.SHA384), preHashWith(crypto.SHA384)},
	{ck.CKM_HASH_SLH_DSA_SHA512, hashPackage(crypto.SHA512), preHashWith(crypto.SHA512)},
	{ck.CKM_HASH_SLH_DSA_SHA3_224, hashPackage(crypto.SHA3_224), preHashWith(crypto.SHA3_224)},
	{ck.CKM_HASH_SLH_DSA_SHA3_256, hashPackage(crypto.SHA3_256), preHashWith(crypto.SHA3_256)},
	{ck.CKM_HASH_SLH_DSA_SHA3_384, hashPackage(crypto.SHA3_384), preHashWith(crypto.SHA3_384)},
	{ck.CKM_HASH_SLH_DSA_SHA3_512, hashPackage(crypto.SHA3_512), preHashWith(crypto.SHA3_512)},
	{ck.CKM_HASH_SLH_DSA_SHAKE128, "github.com/cloudflare/circl/xof", func() (*slhdsa.PreHash, error) { return slhdsa.NewPreHashWithXof(xof.SHAKE128) }},
	{ck.CKM_HASH_SLH_DSA_SHAKE256, "github.com/cloudflare/circl/xof", func() (*slhdsa.PreHash, error) { return slhdsa.NewPreHashWithXof(xof.SHAKE256) }},
}

func preHashWith(h crypto.Hash) func() (*slhdsa.PreHash, error) {
	return func() (*slhdsa.PreHash, error) { return slhdsa.NewPreHashWithHash(h) }
}

func init() {
	register(&Mechanism{
		Type:            ck.CKM_SLH_DSA_KEY_PAIR_GEN,
		Packages:        "github.com/cloudflare/circl/sign/slhdsa",
		Info:            Info{slhdsaInfo.MinKeySize, slhdsaInfo.MaxKeySize, ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_SLH_DSA},
		GenerateKeyPair: generateSLHDSA,
	})
	registerSLHDSA(ck.CKM_SLH_DSA, "github.com/cloudflare/circl/sign/slhdsa", func() (slhdsaInput, error) {
		return &pureInput{boundedBuffer{max: maxPQMessage}}, nil
	})
	for _, ph := range slhdsaPreHashes {
		registerSLHDSA(ph.t, "github.com/cloudflare/circl/sign/slhdsa, "+ph.packages, func() (slhdsaInput, error) {
			h, err := ph.newHash()
			if err != nil {
				return nil, ck.Wrap(ck.CKR_GENERAL_ERROR, err)
			}
			return preHashInput{h}, nil
		})
	}
}

// registerSLHDSA registers CKM_SLH_DSA or a HashSLH-DSA mechanism, whose
// message goes into the input newInput makes.
func registerSLHDSA(t ck.MechanismType, packages string, newInput func() (slhdsaInput, error)) {
	// start reads the parameter and makes the input of a signature or
	// a verification.
	start := func(p Param) (SignContext, slhdsaInput, error) {
		sc, err := signContext(t, p)
		if err != nil {
			return SignContext{}, nil, err
		}
		in, err := newInput()
		return sc, in, err
	}
	register(&Mechanism{
		Type:     t,
		Packages: packages,
		Info:     Info{slhdsaInfo.MinKeySize, slhdsaInfo.MaxKeySize, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_SLH_DSA},
		Param:    SignContextParam,
		NewSigner: func(key any, p Param) (Signer, error) {
			priv, ok := key.(*slhdsa.PrivateKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an SLH-DSA private key", t)
			}
			sc, in, err := start(p)
			if err != nil {
				return nil, err
			}
			return &slhdsaSigner{slhdsaInput: in, key: priv, ctx: sc.Context, hedged: sc.Hedge != ck.CKH_DETERMINISTIC_REQUIRED}, nil
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			pub, ok := key.(*slhdsa.PublicKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an SLH-DSA public key", t)
			}
			sc, in, err := start(p)
			if err != nil {
				return nil, err
			}
			return &slhdsaVerifier{slhdsaInput: in, key: pub, ctx: sc.Context}, nil
		},
	})
}

// slhdsaInput takes in a signature's message: whole for SLH-DSA, hashed
// as it comes for HashSLH-DSA.
type slhdsaInput interface {
	Update(p []byte) error
	// build adds data, which may be empty, and returns the message to sign.
	build(data []byte) (*slhdsa.Message, error)
}

// pureInput keeps the message of pure SLH-DSA, bounded.
type pureInput struct{ boundedBuffer }

func (in *pureInput) build(data []byte) (*slhdsa.Message, error) {
	return slhdsa.NewMessage(in.message(data)), nil
}

// preHashInput hashes the message of HashSLH-DSA.
type preHashInput struct{ h *slhdsa.PreHash }

func (in preHashInput) Update(p []byte) error {
	in.h.Write(p)
	return nil
}

func (in preHashInput) build(data []byte) (*slhdsa.Message, error) {
	in.h.Write(data)
	msg, err := in.h.BuildMessage()
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return msg, nil
}

type slhdsaSigner struct {
	slhdsaInput
	key    *slhdsa.PrivateKey
	ctx    []byte
	hedged bool // CKH_HEDGE_PREFERRED is hedged, as FIPS 205 recommends
}

func (s *slhdsaSigner) Len() int { return s.key.ID.Scheme().SignatureSize() }

func (s *slhdsaSigner) Sign(data []byte) ([]byte, error) {
	msg, err := s.build(data)
	if err != nil {
		return nil, err
	}
	var sig []byte
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
	slhdsaInput
	key *slhdsa.PublicKey
	ctx []byte
}

func (v *slhdsaVerifier) Len() int { return v.key.ID.Scheme().SignatureSize() }

func (v *slhdsaVerifier) Verify(data, sig []byte) error {
	msg, err := v.build(data)
	if err != nil {
		return err
	}
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
