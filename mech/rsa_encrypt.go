package mech

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
)

func init() {
	register(withRSAWrapping(withRSAEncryption(&Mechanism{
		Type:     ck.CKM_RSA_PKCS_OAEP,
		Packages: "crypto/rsa",
		Info:     rsaInfo,
		KeyTypes: []ck.KeyType{ck.CKK_RSA},
		Param:    OAEPParam,
	}, parseOAEP)))
}

// rsaEncryption is one RSA encryption scheme with its parameters resolved.
type rsaEncryption interface {
	encrypt(key *rsa.PublicKey, msg []byte) ([]byte, error)
	decrypt(key *rsa.PrivateKey, ciphertext []byte) ([]byte, error)
}

// withRSAEncryption gives the RSA mechanism m encryption and decryption
// in the scheme its parameter selects. Both are single-part: the input
// is at most one modulus long.
func withRSAEncryption(m *Mechanism, scheme func(p Param) (rsaEncryption, error)) *Mechanism {
	m.Info.Flags |= ck.CKF_ENCRYPT | ck.CKF_DECRYPT
	m.SinglePart = true
	m.NewEncrypter = func(key any, p Param) (Cipher, error) {
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v encrypts with an RSA public key", m.Type)
		}
		s, err := scheme(p)
		if err != nil {
			return nil, err
		}
		k := pub.Size()
		return &oneShotCipher{
			limit:   k,
			tooLong: ck.CKR_DATA_LEN_RANGE,
			outLen:  func(int) int { return k },
			run:     func(in []byte) ([]byte, error) { return s.encrypt(pub, in) },
		}, nil
	}
	m.NewDecrypter = func(key any, p Param) (Cipher, error) {
		priv, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v decrypts with an RSA private key", m.Type)
		}
		s, err := scheme(p)
		if err != nil {
			return nil, err
		}
		k := priv.Size()
		return &oneShotCipher{
			limit:   k,
			tooLong: ck.CKR_ENCRYPTED_DATA_LEN_RANGE,
			// The plaintext's length is known only once the padding is
			// off: the modulus size bounds it.
			outLen: func(int) int { return k },
			run:    func(in []byte) ([]byte, error) { return s.decrypt(priv, in) },
		}, nil
	}
	return m
}

// withRSAWrapping lets an RSA encryption mechanism wrap and unwrap keys
// too. CKM_RSA_X_509 does not: raw RSA neither marks where a key ends in
// the block nor checks anything, so an unwrap would make of any block
// the private key's signature over it, readable as a key's value.
func withRSAWrapping(m *Mechanism) *Mechanism {
	m.Info.Flags |= ck.CKF_WRAP | ck.CKF_UNWRAP
	return m
}

// pkcs1Encryption is RSAES-PKCS1-v1_5 (RFC 8017 section 7.2). Its
// decryption is a padding oracle (Bleichenbacher) for any caller who
// learns whether it failed; C_Decrypt returns that failure by
// definition, so it is offered for the applications that need it, and
// the failure never says which check failed, nor how long the checks
// took. C_UnwrapKey hides even whether it failed (see
// Mechanism.PaddingOracle).
type pkcs1Encryption struct{}

func (pkcs1Encryption) encrypt(key *rsa.PublicKey, msg []byte) ([]byte, error) {
	if max := key.Size() - 11; len(msg) > max {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS encrypts at most %d bytes with this key, not %d", max, len(msg))
	}
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, key, msg) //nolint:staticcheck // PKCS#11 defines it; see pkcs1Encryption
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return ct, nil
}

func (pkcs1Encryption) decrypt(key *rsa.PrivateKey, ciphertext []byte) ([]byte, error) {
	if err := checkCiphertextLen(key, ciphertext); err != nil {
		return nil, err
	}
	// crypto/rsa checks the padding in constant time and then fails
	// with ErrDecryption whatever was wrong.
	msg, err := rsa.DecryptPKCS1v15(nil, key, ciphertext) //nolint:staticcheck // PKCS#11 defines it; see pkcs1Encryption
	return msg, decryptionError(err)
}

// oaepScheme is RSAES-OAEP (RFC 8017 section 7.1) with its hashes and
// label.
type oaepScheme struct{ opts rsa.OAEPOptions }

// parseOAEP checks a CK_RSA_PKCS_OAEP_PARAMS {hashAlg, mgf, source,
// pSourceData}. The hash and the MGF1 hash may differ: crypto/rsa takes
// them apart in both directions (OAEPOptions.MGFHash).
func parseOAEP(p Param) (rsaEncryption, error) {
	const t = ck.CKM_RSA_PKCS_OAEP
	oaep, err := paramAs[OAEPParams](t, p)
	if err != nil {
		return nil, err
	}
	var s oaepScheme
	for _, hs := range hashes {
		if hs.digest == oaep.Hash {
			s.opts.Hash = hs.hash
		}
		if hs.mgf == oaep.MGF {
			s.opts.MGFHash = hs.hash
		}
	}
	switch {
	case s.opts.Hash == 0:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: hashAlg %v is not supported", t, oaep.Hash)
	case s.opts.MGFHash == 0:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: mgf %v is not supported", t, oaep.MGF)
	case oaep.Source == ck.CKZ_DATA_SPECIFIED:
		// Copied: the parameter's bytes are the caller's, for this call only.
		s.opts.Label = bytes.Clone(oaep.Label)
	case oaep.Source != 0 || len(oaep.Label) != 0:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: source %#x with %d bytes of source data", t, oaep.Source, len(oaep.Label))
	}
	return s, nil
}

// maxInput is the longest message OAEP encrypts with a k-byte modulus:
// negative when the hash is too long for the key.
func (s oaepScheme) maxInput(k int) int { return k - 2*s.opts.Hash.Size() - 2 }

func (s oaepScheme) encrypt(key *rsa.PublicKey, msg []byte) ([]byte, error) {
	if max := s.maxInput(key.Size()); len(msg) > max {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS_OAEP with %v encrypts at most %d bytes with this key, not %d", s.opts.Hash, max, len(msg))
	}
	ct, err := rsa.EncryptOAEPWithOptions(rand.Reader, key, msg, &s.opts)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return ct, nil
}

func (s oaepScheme) decrypt(key *rsa.PrivateKey, ciphertext []byte) ([]byte, error) {
	if err := checkCiphertextLen(key, ciphertext); err != nil {
		return nil, err
	}
	// One constant-time check of the padding and the label's hash, with
	// one ErrDecryption for every failure, as for PKCS#1 v1.5.
	msg, err := key.Decrypt(nil, ciphertext, &s.opts)
	return msg, decryptionError(err)
}

// checkCiphertextLen refuses a padded RSA ciphertext that is not exactly
// one modulus long, which says nothing about the key or the plaintext.
func checkCiphertextLen(key *rsa.PrivateKey, ciphertext []byte) error {
	if len(ciphertext) != key.Size() {
		return ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "an RSA ciphertext with this key is %d bytes, not %d", key.Size(), len(ciphertext))
	}
	return nil
}

// decryptionError is the PKCS#11 error for a crypto/rsa decryption's
// error: any padding or label failure is CKR_ENCRYPTED_DATA_INVALID and
// carries nothing more, since its detail is the oracle; anything else
// (a key crypto/rsa refuses, a fault) is the token's failure.
func decryptionError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rsa.ErrDecryption):
		return ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
}

// OAEPParamsFor is the CK_RSA_PKCS_OAEP_PARAMS of Go's rsa.OAEPOptions:
// hash h, MGF1 over mgfHash (h when 0) and the label.
func OAEPParamsFor(h, mgfHash crypto.Hash, label []byte) (OAEPParams, bool) {
	if mgfHash == 0 {
		mgfHash = h
	}
	var p OAEPParams
	for _, hs := range hashes {
		if hs.hash == h {
			p.Hash = hs.digest
		}
		if hs.hash == mgfHash {
			p.MGF = hs.mgf
		}
	}
	if p.Hash == 0 || p.MGF == 0 {
		return OAEPParams{}, false
	}
	// CKZ_DATA_SPECIFIED is the only source the spec defines, and some
	// modules (SoftHSMv2) refuse any other, even with no label.
	p.Source, p.Label = ck.CKZ_DATA_SPECIFIED, label
	return p, true
}
