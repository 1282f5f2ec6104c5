package mech

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// Edwards-curve mechanisms work on Ed25519 (crypto/ed25519) and Ed448
// (circl's sign/ed448), named in CKA_EC_PARAMS by OID or by name
// (object.OctetCurveByParams). PKCS#11 counts their key sizes in bits
// of the curve's field: 255 and 448.
var edwardsInfo = Info{MinKeySize: 255, MaxKeySize: 448, Flags: ck.CKF_EC_NAMEDCURVE | ck.CKF_EC_CURVENAME}

// edwardsPackages compute the Edwards-curve mechanisms.
const edwardsPackages = "crypto/ed25519, github.com/cloudflare/circl/sign/ed448"

// maxEdDSAContext is the longest context RFC 8032 allows.
const maxEdDSAContext = 255

func init() {
	register(&Mechanism{
		Type:            ck.CKM_EC_EDWARDS_KEY_PAIR_GEN,
		Packages:        edwardsPackages,
		Info:            Info{edwardsInfo.MinKeySize, edwardsInfo.MaxKeySize, edwardsInfo.Flags | ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_EC_EDWARDS},
		GenerateKeyPair: generateOctet(ck.CKK_EC_EDWARDS),
	})
	register(&Mechanism{
		Type:     ck.CKM_EDDSA,
		Packages: edwardsPackages,
		Info:     Info{edwardsInfo.MinKeySize, edwardsInfo.MaxKeySize, edwardsInfo.Flags | ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_EC_EDWARDS},
		Param:    EdDSAParam,
		NewSigner: func(key any, p Param) (Signer, error) {
			ep, err := eddsaParams(p)
			if err != nil {
				return nil, err
			}
			switch k := key.(type) {
			case ed25519.PrivateKey:
				opts := ed25519Options(ep)
				return &eddsaSigner{feed: eddsaFeed(opts), key: k, opts: opts}, nil
			case ed448.PrivateKey:
				return &ed448Signer{feed: &boundedBuffer{max: maxEdDSAMessage}, key: k, params: ep}, nil
			}
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_EDDSA needs an Ed25519 or Ed448 private key")
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			ep, err := eddsaParams(p)
			if err != nil {
				return nil, err
			}
			switch k := key.(type) {
			case ed25519.PublicKey:
				opts := ed25519Options(ep)
				return &eddsaVerifier{feed: eddsaFeed(opts), key: k, opts: opts}, nil
			case ed448.PublicKey:
				return &ed448Verifier{feed: &boundedBuffer{max: maxEdDSAMessage}, key: k, params: ep}, nil
			}
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_EDDSA needs an Ed25519 or Ed448 public key")
		},
	})
}

// eddsaParams reads CKM_EDDSA's optional CK_EDDSA_PARAMS; none reads as
// no prehash and no context.
func eddsaParams(p Param) (EdDSAParams, error) {
	if p == nil {
		return EdDSAParams{}, nil
	}
	ep, err := paramAs[EdDSAParams](ck.CKM_EDDSA, p)
	if err != nil {
		return EdDSAParams{}, err
	}
	if len(ep.Context) > maxEdDSAContext {
		return EdDSAParams{}, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_EDDSA: a context of %d bytes, at most %d", len(ep.Context), maxEdDSAContext)
	}
	return EdDSAParams{Prehash: ep.Prehash, Context: bytes.Clone(ep.Context)}, nil
}

// ed25519Options is the Ed25519 variant of CK_EDDSA_PARAMS: none, or no
// prehash and no context, is Ed25519; a context without prehash
// Ed25519ctx; prehash Ed25519ph, with or without a context.
func ed25519Options(ep EdDSAParams) *ed25519.Options {
	opts := &ed25519.Options{Context: string(ep.Context)}
	if ep.Prehash {
		opts.Hash = crypto.SHA512
	}
	return opts
}

// maxEdDSAMessage bounds the message of a multi-part Ed25519,
// Ed25519ctx, Ed448 or Ed448ph signature, which must keep all of it
// until C_SignFinal: the first three hash it twice, and circl computes
// Ed448ph's prehash itself.
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

// generateOctet returns the GenerateKeyPair of CKM_EC_EDWARDS_KEY_PAIR_GEN
// or CKM_EC_MONTGOMERY_KEY_PAIR_GEN, which make keys of type kt on the
// curve the public key template's CKA_EC_PARAMS names, from a private
// key of random bytes: RFC 8032's seed, RFC 7748's scalar. The private
// key gets the template's CKA_EC_PARAMS as given.
func generateOctet(kt ck.KeyType) func(Param, object.Template, object.Template) (object.Template, object.Template, error) {
	return func(_ Param, pub, _ object.Template) (object.Template, object.Template, error) {
		params, ok := pub.Find(ck.CKA_EC_PARAMS)
		if !ok {
			return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_EC_PARAMS")
		}
		c, ok := object.OctetCurveByParams(params)
		if !ok || c.KeyType != kt {
			return nil, nil, ck.Errorf(ck.CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS names no %v curve this token supports", kt)
		}
		value := make([]byte, c.PrivateSize)
		if _, err := rand.Read(value); err != nil {
			return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
		}
		_, pk, err := c.NewPrivateKey(value)
		if err != nil {
			return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
		}
		_, raw, _ := object.OctetPublicKey(pk)
		pubMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(kt)),
			object.Bytes(ck.CKA_EC_POINT, c.Point(raw))}
		privMaterial := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(kt)),
			object.Bytes(ck.CKA_EC_PARAMS, bytes.Clone(params)), object.Bytes(ck.CKA_VALUE, value)}
		return pubMaterial, privMaterial, nil
	}
}

// Ed448 has a context in every variant (RFC 8032 section 5.2): no
// CK_EDDSA_PARAMS, or no prehash, is Ed448 with the context given, empty
// or not; prehash is Ed448ph. circl computes Ed448ph's SHAKE256 prehash
// from the whole message, so both keep the message until the end.

type ed448Signer struct {
	feed
	key    ed448.PrivateKey
	params EdDSAParams
}

func (s *ed448Signer) Len() int { return ed448.SignatureSize }

func (s *ed448Signer) Sign(data []byte) ([]byte, error) {
	msg := s.message(data)
	if s.params.Prehash {
		return ed448.SignPh(s.key, msg, string(s.params.Context)), nil
	}
	return ed448.Sign(s.key, msg, string(s.params.Context)), nil
}

type ed448Verifier struct {
	feed
	key    ed448.PublicKey
	params EdDSAParams
}

func (v *ed448Verifier) Len() int { return ed448.SignatureSize }

func (v *ed448Verifier) Verify(data, sig []byte) error {
	msg := v.message(data)
	if len(sig) != ed448.SignatureSize {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an Ed448 signature is %d bytes, not %d", ed448.SignatureSize, len(sig))
	}
	verify := ed448.Verify
	if v.params.Prehash {
		verify = ed448.VerifyPh
	}
	if !verify(v.key, msg, sig, string(v.params.Context)) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
