package mech

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

var rsaInfo = Info{MinKeySize: object.MinRSABits, MaxKeySize: object.MaxRSABits}

func init() {
	register(&Mechanism{
		Type:            ck.CKM_RSA_PKCS_KEY_PAIR_GEN,
		Packages:        "crypto/rsa",
		Info:            Info{rsaInfo.MinKeySize, rsaInfo.MaxKeySize, ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_RSA},
		GenerateKeyPair: generateRSA,
	})
	// The two mechanisms that sign their input as it is also encrypt with it.
	register(withRSAEncryption(
		rsaSignature(ck.CKM_RSA_X_509, 0, NoParam, func(Param) (rsaScheme, error) { return rawScheme{}, nil }),
		func(Param) (rsaEncryption, error) { return rawScheme{}, nil }))
	pkcs1 := withRSAWrapping(withRSAEncryption(
		rsaSignature(ck.CKM_RSA_PKCS, 0, NoParam, func(Param) (rsaScheme, error) { return pkcs1Scheme{}, nil }),
		func(Param) (rsaEncryption, error) { return pkcs1Encryption{}, nil }))
	pkcs1.PaddingOracle = true
	register(pkcs1)
	register(rsaSignature(ck.CKM_RSA_PKCS_PSS, 0, PSSParam, func(p Param) (rsaScheme, error) {
		return parsePSS(ck.CKM_RSA_PKCS_PSS, 0, p)
	}))
	for _, hs := range hashes {
		register(rsaSignature(hs.rsaPKCS, hs.hash, NoParam, func(Param) (rsaScheme, error) { return pkcs1Scheme{hs.hash}, nil }))
		register(rsaSignature(hs.rsaPSS, hs.hash, PSSParam, func(p Param) (rsaScheme, error) {
			return parsePSS(hs.rsaPSS, hs.hash, p)
		}))
	}
}

// rsaScheme is one RSA signature scheme with its parameters resolved.
type rsaScheme interface {
	// hash is the hash applied to the message inside the mechanism, or 0.
	hash() crypto.Hash
	sign(key *rsa.PrivateKey, msg []byte) ([]byte, error)
	verify(key *rsa.PublicKey, msg, sig []byte) error
}

// rsaSignature is an RSA signature mechanism that hashes its input with
// h, or signs its input as it is (h == 0, single-part), with a parameter
// of the given kind.
func rsaSignature(t ck.MechanismType, h crypto.Hash, kind ParamKind, scheme func(p Param) (rsaScheme, error)) *Mechanism {
	return &Mechanism{
		Type:       t,
		Packages:   withHash("crypto/rsa", h),
		Backed:     t != ck.CKM_RSA_X_509,
		Info:       Info{rsaInfo.MinKeySize, rsaInfo.MaxKeySize, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes:   []ck.KeyType{ck.CKK_RSA},
		Param:      kind,
		SinglePart: h == 0,
		NewSigner: func(key any, p Param) (Signer, error) {
			priv, ok := key.(*rsa.PrivateKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an RSA private key", t)
			}
			s, err := scheme(p)
			if err != nil {
				return nil, err
			}
			if pss, ok := s.(pssScheme); ok && pss.saltLen == 0 && installed() == nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v with sLen 0 needs the libcrypto backend: Go's crypto/rsa always adds a salt", t)
			}
			return &rsaSigner{feed: newFeed(s.hash()), scheme: s, key: priv}, nil
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			pub, ok := key.(*rsa.PublicKey)
			if !ok {
				return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs an RSA public key", t)
			}
			s, err := scheme(p)
			if err != nil {
				return nil, err
			}
			return &rsaVerifier{feed: newFeed(s.hash()), scheme: s, key: pub}, nil
		},
	}
}

type rsaSigner struct {
	feed
	scheme rsaScheme
	key    *rsa.PrivateKey
}

func (s *rsaSigner) Len() int { return s.key.Size() }

func (s *rsaSigner) Sign(data []byte) ([]byte, error) {
	return s.scheme.sign(s.key, s.message(data))
}

type rsaVerifier struct {
	feed
	scheme rsaScheme
	key    *rsa.PublicKey
}

func (v *rsaVerifier) Len() int { return v.key.Size() }

func (v *rsaVerifier) Verify(data, sig []byte) error {
	msg := v.message(data)
	if len(sig) != v.key.Size() {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "an RSA signature with this key is %d bytes, not %d", v.key.Size(), len(sig))
	}
	return v.scheme.verify(v.key, msg, sig)
}

// pkcs1Scheme is RSASSA-PKCS1-v1_5. With h == 0 (CKM_RSA_PKCS) the input
// is the caller's DigestInfo, padded and signed as it is.
type pkcs1Scheme struct{ h crypto.Hash }

func (p pkcs1Scheme) hash() crypto.Hash { return p.h }

func (p pkcs1Scheme) sign(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	if p.h == 0 && len(msg) > key.Size()-11 {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS signs at most %d bytes with this key", key.Size()-11)
	}
	if b := installed(); b != nil {
		tbs := msg
		if p.h != 0 {
			tbs, _ = DigestInfo(p.h, msg)
		}
		if sig, ok := b.SignRSA(key, RSASignature{}, tbs); ok {
			return sig, nil
		}
	}
	sig, err := rsa.SignPKCS1v15(nil, key, p.h, msg)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

func (p pkcs1Scheme) verify(key *rsa.PublicKey, msg, sig []byte) error {
	if p.h == 0 && len(msg) > key.Size()-11 {
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS verifies at most %d bytes with this key", key.Size()-11)
	}
	if rsa.VerifyPKCS1v15(key, p.h, msg, sig) != nil {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// pssScheme is RSASSA-PSS with MGF1 over the same hash as the message,
// the only combination Go's crypto/rsa offers; others are refused with
// CKR_MECHANISM_PARAM_INVALID.
type pssScheme struct {
	h       crypto.Hash
	inner   bool // the mechanism hashes the message itself
	saltLen int
}

// parsePSS checks a CK_RSA_PKCS_PSS_PARAMS {hashAlg, mgf, sLen}. inner is
// the hash of a hash-then-sign mechanism, which hashAlg must name.
func parsePSS(t ck.MechanismType, inner crypto.Hash, p Param) (rsaScheme, error) {
	pss, err := paramAs[PSSParams](t, p)
	if err != nil {
		return nil, err
	}
	for _, hs := range hashes {
		if hs.digest != pss.Hash {
			continue
		}
		switch {
		case inner != 0 && hs.hash != inner:
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v with hashAlg %v", t, hs.digest)
		case hs.mgf != pss.MGF:
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: mgf %v with hashAlg %v is not supported", t, pss.MGF, hs.digest)
		case pss.SaltLen > 1024:
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: salt length %d", t, pss.SaltLen)
		}
		return pssScheme{h: hs.hash, inner: inner != 0, saltLen: int(pss.SaltLen)}, nil
	}
	return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: hashAlg %v is not supported", t, pss.Hash)
}

// PSSParamsFor is the CK_RSA_PKCS_PSS_PARAMS that signs a digest of hash
// h with MGF1 over the same hash and a salt of saltLen bytes.
func PSSParamsFor(h crypto.Hash, saltLen int) (PSSParams, bool) {
	for _, hs := range hashes {
		if hs.hash == h {
			return PSSParams{Hash: hs.digest, MGF: hs.mgf, SaltLen: uint(saltLen)}, true
		}
	}
	return PSSParams{}, false
}

func (p pssScheme) hash() crypto.Hash {
	if p.inner {
		return p.h
	}
	return 0
}

func (p pssScheme) checkInput(key *rsa.PublicKey, digest []byte) error {
	if len(digest) != p.h.Size() {
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS_PSS takes a %d-byte hash, not %d bytes", p.h.Size(), len(digest))
	}
	// RFC 8017 9.1.1: emLen >= hLen + sLen + 2, emLen = ceil((modBits-1)/8).
	if emLen := (key.N.BitLen() + 6) / 8; emLen < p.h.Size()+p.saltLen+2 {
		return ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "salt length %d is too long for this key", p.saltLen)
	}
	return nil
}

func (p pssScheme) sign(key *rsa.PrivateKey, digest []byte) ([]byte, error) {
	if err := p.checkInput(&key.PublicKey, digest); err != nil {
		return nil, err
	}
	if b := installed(); b != nil {
		if sig, ok := b.SignRSA(key, RSASignature{PSS: true, Hash: p.h, SaltLen: p.saltLen}, digest); ok {
			return sig, nil
		}
	}
	if p.saltLen == 0 {
		// crypto/rsa reads a salt length of 0 as "as long as possible".
		return nil, ck.Errorf(ck.CKR_FUNCTION_FAILED, "a PSS signature without salt: the libcrypto backend declined it and Go's crypto/rsa cannot make one")
	}
	sig, err := rsa.SignPSS(rand.Reader, key, p.h, digest, &rsa.PSSOptions{SaltLength: p.saltLen, Hash: p.h})
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return sig, nil
}

func (p pssScheme) verify(key *rsa.PublicKey, digest, sig []byte) error {
	if err := p.checkInput(key, digest); err != nil {
		return err
	}
	if err := rsa.VerifyPSS(key, p.h, digest, sig, &rsa.PSSOptions{SaltLength: p.saltLen, Hash: p.h}); err != nil {
		if errors.Is(err, rsa.ErrVerification) {
			return ck.CKR_SIGNATURE_INVALID
		}
		return ck.Wrap(ck.CKR_SIGNATURE_INVALID, err)
	}
	return nil
}

// rsaPublicExponent is the only exponent crypto/rsa generates keys with.
const rsaPublicExponent = 65537

func generateRSA(_ Param, pub, priv object.Template) (object.Template, object.Template, error) {
	bits, ok := pub.ULong(ck.CKA_MODULUS_BITS)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_MODULUS_BITS")
	}
	if bits < rsaInfo.MinKeySize || bits > rsaInfo.MaxKeySize {
		return nil, nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "%d-bit RSA keys are not supported", bits)
	}
	if e, ok := pub.Find(ck.CKA_PUBLIC_EXPONENT); ok && new(big.Int).SetBytes(e).Cmp(big.NewInt(rsaPublicExponent)) != 0 {
		return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PUBLIC_EXPONENT: only 65537 is generated")
	}
	key, err := rsa.GenerateKey(rand.Reader, int(bits))
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return keyPairMaterial(key, &key.PublicKey)
}
