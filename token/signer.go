package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"fmt"
	"io"
	"sync"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// Signer is a crypto.Signer whose private key stays in the token, for
// crypto/tls client certificates, x509.CreateCertificate and the like,
// and for RSA keys also a crypto.Decrypter. It works through its own
// session, one operation at a time.
type Signer struct {
	m    *Module
	h    ck.SessionHandle
	key  ck.ObjectHandle
	pub  crypto.PublicKey
	mu   sync.Mutex
	size int // ECDSA: bytes per r and s
}

// NewSigner returns a Signer for private key key, used through session
// h, which must stay open (and logged in, for a private key) while the
// Signer is used.
func (m *Module) NewSigner(h ck.SessionHandle, key ck.ObjectHandle) (*Signer, error) {
	attrs, err := m.GetAttributes(h, key, ck.CKA_CLASS, ck.CKA_PUBLIC_KEY_INFO)
	if err != nil {
		return nil, err
	}
	if c, _ := object.DecodeULong(attrs[0].Value); ck.ObjectClass(c) != ck.CKO_PRIVATE_KEY {
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "object %d is not a private key", key)
	}
	pub, err := pki.ParsePublicKeyInfo(attrs[1].Value)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_GENERAL_ERROR, err)
	}
	s := &Signer{m: m, h: h, key: key, pub: pub}
	if ec, ok := pub.(*ecdsa.PublicKey); ok {
		s.size = (ec.Curve.Params().BitSize + 7) / 8
	}
	return s, nil
}

// Public returns the public key.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// Sign signs a digest: ECDSA signatures come back in DER, as crypto.Signer
// requires; RSA keys sign PKCS#1 v1.5, or PSS when opts is *rsa.PSSOptions;
// Ed25519, Ed448, ML-DSA and SLH-DSA keys sign the message passed in the
// digest's place (ML-DSA and SLH-DSA hedged, with an empty context).
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	mc, input, err := SignMechanism(s.pub, digest, opts)
	if err != nil {
		return nil, err
	}
	// The buffer is sized from the public key, not by a length query: a
	// queried operation may be replaced by another C_SignInit on the same
	// session, and the signature would then come from another key.
	sig := make([]byte, s.sigLen())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.m.SignInit(s.h, mc, s.key); err != nil {
		return nil, err
	}
	n, err := s.m.Sign(s.h, input, sig)
	if err != nil {
		return nil, err
	}
	if s.size > 0 {
		return pki.ECDSASignatureToDER(sig[:n])
	}
	return sig[:n], nil
}

// Decrypt decrypts msg with an RSA key (crypto.Decrypter): OAEP when
// opts is *rsa.OAEPOptions, PKCS#1 v1.5 otherwise. With
// rsa.PKCS1v15DecryptOptions.SessionKeyLen set, a ciphertext that does
// not decrypt to a key of that length yields random bytes instead of an
// error, as crypto/rsa does, so that a TLS server reveals nothing.
func (s *Signer) Decrypt(rand io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	pub, ok := s.pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("token: %T keys cannot decrypt", s.pub)
	}
	mc := Mechanism{Type: ck.CKM_RSA_PKCS}
	var sessionKeyLen int
	switch o := opts.(type) {
	case *rsa.OAEPOptions:
		p, ok := mech.OAEPParamsFor(o.Hash, o.MGFHash, o.Label)
		if !ok {
			return nil, fmt.Errorf("token: OAEP with %v and MGF1 %v is not supported", o.Hash, o.MGFHash)
		}
		mc = Mechanism{Type: ck.CKM_RSA_PKCS_OAEP, Param: p}
	case *rsa.PKCS1v15DecryptOptions:
		sessionKeyLen = o.SessionKeyLen
	}
	out := make([]byte, pub.Size())
	defer clear(out)
	s.mu.Lock()
	err := s.m.DecryptInit(s.h, mc, s.key)
	var n int
	if err == nil {
		n, err = s.m.Decrypt(s.h, msg, out)
	}
	s.mu.Unlock()
	if sessionKeyLen == 0 {
		if err != nil {
			return nil, err
		}
		return bytes.Clone(out[:n]), nil
	}
	// Only a ciphertext that does not decrypt to a key of the length
	// gives random bytes: a closed session or a missing login is an
	// error like any other.
	if rv := ck.ToRV(err); err != nil && rv != ck.CKR_ENCRYPTED_DATA_INVALID && rv != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		return nil, err
	}
	key := make([]byte, sessionKeyLen)
	if _, rerr := io.ReadFull(rand, key); rerr != nil {
		return nil, rerr
	}
	src := out
	if len(src) < sessionKeyLen {
		src = make([]byte, sessionKeyLen)
	}
	ok = err == nil && n == sessionKeyLen
	subtle.ConstantTimeCopy(subtle.ConstantTimeEq(boolInt(ok), 1), key, src[:sessionKeyLen])
	return key, nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// sigLen is the length of the key's signatures.
func (s *Signer) sigLen() int {
	switch pub := s.pub.(type) {
	case *rsa.PublicKey:
		return pub.Size()
	case ed25519.PublicKey:
		return ed25519.SignatureSize
	case ed448.PublicKey:
		return ed448.SignatureSize
	case sign.PublicKey: // ML-DSA and SLH-DSA
		return pub.Scheme().SignatureSize()
	}
	return 2 * s.size
}

// SignMechanism is how a crypto.Signer over a token key of public key pub
// signs digest with opts: the mechanism and its input. ECDSA signs the
// digest as it is (the signature comes back as r||s); RSA signs PSS when
// opts is *rsa.PSSOptions, else PKCS#1 v1.5 over the DigestInfo; Ed25519
// signs the message crypto.Signer passes in place of a digest (with the
// context of *ed25519.Options), and Ed448 the message too, Ed448 or
// Ed448ph with the context ed448.SignerOptions give; so do ML-DSA and
// SLH-DSA (pure, as circl's own keys sign through crypto.Signer: their
// prehash variants would need the digest's OID, which opts does not give).
func SignMechanism(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) (Mechanism, []byte, error) {
	h := opts.HashFunc()
	if h != 0 && len(digest) != h.Size() {
		return Mechanism{}, nil, fmt.Errorf("token: digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return Mechanism{Type: ck.CKM_ECDSA}, digest, nil
	case ed25519.PublicKey:
		// Ed25519 signs the message itself; Ed25519ph would need its
		// digest, which CKM_EDDSA computes from the message instead.
		if h != 0 {
			return Mechanism{}, nil, fmt.Errorf("token: Ed25519 keys sign messages, not %v digests", h)
		}
		if o, ok := opts.(*ed25519.Options); ok && o.Context != "" {
			return Mechanism{Type: ck.CKM_EDDSA, Param: mech.EdDSAParams{Context: []byte(o.Context)}}, digest, nil
		}
		return Mechanism{Type: ck.CKM_EDDSA}, digest, nil
	case ed448.PublicKey:
		// Like circl's ed448.PrivateKey.Sign, which takes the message
		// for Ed448ph too and computes the prehash itself.
		if h != 0 {
			return Mechanism{}, nil, fmt.Errorf("token: Ed448 keys sign messages, not %v digests", h)
		}
		o, _ := opts.(ed448.SignerOptions)
		return Mechanism{Type: ck.CKM_EDDSA, Param: mech.EdDSAParams{Prehash: o.Scheme == ed448.ED448Ph, Context: []byte(o.Context)}}, digest, nil
	case *slhdsa.PublicKey:
		if h != 0 {
			return Mechanism{}, nil, fmt.Errorf("token: SLH-DSA keys sign messages, not %v digests", h)
		}
		return Mechanism{Type: ck.CKM_SLH_DSA}, digest, nil
	case sign.PublicKey:
		if h != 0 {
			return Mechanism{}, nil, fmt.Errorf("token: ML-DSA keys sign messages, not %v digests", h)
		}
		return Mechanism{Type: ck.CKM_ML_DSA}, digest, nil
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			salt := pss.SaltLength
			if salt == rsa.PSSSaltLengthAuto || salt == rsa.PSSSaltLengthEqualsHash {
				salt = h.Size()
			}
			param, ok := mech.PSSParamsFor(h, salt)
			if !ok {
				return Mechanism{}, nil, fmt.Errorf("token: PSS with %v is not supported", h)
			}
			return Mechanism{Type: ck.CKM_RSA_PKCS_PSS, Param: param}, digest, nil
		}
		info, ok := mech.DigestInfo(h, digest)
		if !ok {
			return Mechanism{}, nil, fmt.Errorf("token: PKCS#1 v1.5 with %v is not supported", h)
		}
		return Mechanism{Type: ck.CKM_RSA_PKCS}, info, nil
	}
	return Mechanism{}, nil, fmt.Errorf("token: %T keys cannot sign", pub)
}
