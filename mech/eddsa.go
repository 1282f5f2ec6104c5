package mech

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// Edwards-curve mechanisms work on Ed25519 (crypto/ed25519), whose key
// size PKCS#11 counts as 255 bits, named in CKA_EC_PARAMS by OID or by
// name (object.IsEd25519Params).
var edwardsInfo = Info{MinKeySize: 255, MaxKeySize: 255, Flags: ck.CKF_EC_NAMEDCURVE | ck.CKF_EC_CURVENAME}

// maxEdDSAContext is the longest context RFC 8032 allows.
const maxEdDSAContext = 255

func init() {
	register(&Mechanism{
		Type:            ck.CKM_EC_EDWARDS_KEY_PAIR_GEN,
		Packages:        "crypto/ed25519",
		Info:            Info{edwardsInfo.MinKeySize, edwardsInfo.MaxKeySize, edwardsInfo.Flags | ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_EC_EDWARDS},
		GenerateKeyPair: generateEdwards,
	})
	register(&Mechanism{
		Type:     ck.CKM_EDDSA,
		Packages: "crypto/ed25519",
		Info:     Info{edwardsInfo.MinKeySize, edwardsInfo.MaxKeySize, edwardsInfo.Flags | ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_EC_EDWARDS},
		Param:    EdDSAParam,
		NewSigner: func(key any, p Param) (Signer, error) {
			priv, ok := key.(ed25519.PrivateKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_EDDSA needs an Ed25519 private key")
			}
			opts, err := eddsaOptions(p)
			if err != nil {
				return nil, err
			}
			return &eddsaSigner{feed: eddsaFeed(opts), key: priv, opts: opts}, nil
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			pub, ok := key.(ed25519.PublicKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_EDDSA needs an Ed25519 public key")
			}
			opts, err := eddsaOptions(p)
			if err != nil {
				return nil, err
			}
			return &eddsaVerifier{feed: eddsaFeed(opts), key: pub, opts: opts}, nil
		},
	})
}

// eddsaOptions reads CKM_EDDSA's optional CK_EDDSA_PARAMS: none, or no
// prehash and no context, is Ed25519; a context without prehash
// Ed25519ctx; prehash Ed25519ph, with or without a context.
func eddsaOptions(p Param) (*ed25519.Options, error) {
	if p == nil {
		return &ed25519.Options{}, nil
	}
	ep, err := paramAs[EdDSAParams](ck.CKM_EDDSA, p)
	if err != nil {
		return nil, err
	}
	if len(ep.Context) > maxEdDSAContext {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_EDDSA: a context of %d bytes, at most %d", len(ep.Context), maxEdDSAContext)
	}
	opts := &ed25519.Options{Context: string(ep.Context)}
	if ep.Prehash {
		opts.Hash = crypto.SHA512
	}
	return opts, nil
}

// maxEdDSAMessage bounds the message of a multi-part Ed25519 or
// Ed25519ctx signature, which hashes its message twice and so must keep
// all of it until C_SignFinal.
const maxEdDSAMessage = 64 << 20

// eddsaFeed takes in the message for opts: Ed25519ph hashes it with
// SHA-512 as it comes (PKCS#11 has the token compute the prehash, as
// OpenSSL's EVP_DigestSign does), the others keep it.
func eddsaFeed(opts *ed25519.Options) feed {
	if opts.Hash == crypto.SHA512 {
		return hasher{sha512.New()}
	}
	return &boundedBuffer{max: maxEdDSAMessage}
}

// boundedBuffer is a buffer that refuses to grow past max bytes.
type boundedBuffer struct {
	buffer
	max int
}

func (b *boundedBuffer) Update(p []byte) error {
	if len(b.data)+len(p) > b.max {
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "a multi-part message of more than %d bytes", b.max)
	}
	return b.buffer.Update(p)
}

type eddsaSigner struct {
	feed
	key  ed25519.PrivateKey
	opts *ed25519.Options
}

func (s *eddsaSigner) Len() int { return ed25519.SignatureSize }

func (s *eddsaSigner) Sign(data []byte) ([]byte, error) {
	sig, err := s.key.Sign(rand.Reader, s.message(data), s.opts)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

type eddsaVerifier struct {
	feed
	key  ed25519.PublicKey
	opts *ed25519.Options
}

func (v *eddsaVerifier) Len() int { return ed25519.SignatureSize }

func (v *eddsaVerifier) Verify(data, sig []byte) error {
	msg := v.message(data)
	if len(sig) != ed25519.SignatureSize {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an Ed25519 signature is %d bytes, not %d", ed25519.SignatureSize, len(sig))
	}
	if ed25519.VerifyWithOptions(v.key, msg, sig, v.opts) != nil {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// generateEdwards makes an Ed25519 key pair on the curve the public key
// template's CKA_EC_PARAMS names, which the private key gets as given.
func generateEdwards(_ Param, pub, _ object.Template) (object.Template, object.Template, error) {
	params, ok := pub.Find(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_EC_PARAMS")
	}
	if !object.IsEd25519Params(params) {
		return nil, nil, ck.Errorf(ck.CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS names no Edwards curve this token supports (Ed25519)")
	}
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	pubMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC_EDWARDS)),
		object.Bytes(ck.CKA_EC_POINT, object.EdwardsPoint(pk))}
	privMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC_EDWARDS)),
		object.Bytes(ck.CKA_EC_PARAMS, bytes.Clone(params)), object.Bytes(ck.CKA_VALUE, sk.Seed())}
	return pubMaterial, privMaterial, nil
}
