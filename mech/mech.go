// Package mech is the mechanism registry. Each mechanism declares itself
// once, in the file of its family (digest.go, ecdsa.go, rsa.go), with its
// CK_MECHANISM_INFO, the key type it works with, how it checks its
// parameter, and how it signs, verifies, digests or generates keys. The
// engine looks mechanisms up here and never switches on mechanism types.
package mech

import (
	"crypto"
	"hash"
	"maps"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// Info is a CK_MECHANISM_INFO.
type Info struct {
	MinKeySize, MaxKeySize uint
	Flags                  ck.Flags
}

// Mechanism is one registered mechanism. The function fields a
// mechanism does not support are nil, and its Info flags say the same.
type Mechanism struct {
	Type ck.MechanismType
	Info Info
	// Packages names the Go packages that compute the mechanism, for the
	// README's mechanism table; register requires it.
	Packages string
	// Backed mechanisms sign on the installed Backend when it takes the
	// key and the input (see Backend), on Go's crypto otherwise.
	Backed bool
	// KeyTypes are the types of key the mechanism works with; a key
	// generation mechanism names the one type it makes. Every mechanism
	// that takes or makes a key lists them, and register enforces it:
	// CKK_RSA is 0, so a forgotten single field would silently mean RSA.
	KeyTypes []ck.KeyType
	// Param names the parameter's C structure, and so the Go type of the
	// Param the New* functions get (see ParamKind).
	Param ParamKind
	// SinglePart mechanisms sign, verify, encrypt or decrypt one input of
	// at most a key's size, or a hash: the Update functions are refused
	// rather than buffering unbounded data.
	SinglePart bool
	// Legacy mechanisms rest on broken algorithms (single DES, MD5): they
	// are offered for the systems that still test against them, logged
	// when used, and a setting turns them all off.
	Legacy bool
	// PaddingOracle: whether a decryption failed tells an attacker
	// something about the plaintext (CKM_RSA_PKCS, Bleichenbacher's
	// attack). C_UnwrapKey with such a mechanism needs the key's length
	// in advance and, when the decryption fails, unwraps random bytes of
	// that length instead of failing, as TLS servers do.
	PaddingOracle bool
	// WrapBlock, for the block modes without padding (ECB, CBC), is the
	// block size C_WrapKey pads a key's value to with zeros, as the
	// mechanisms specification says for them; C_UnwrapKey then takes
	// CKA_VALUE_LEN bytes. 0 for the others.
	WrapBlock int

	// NewDigest starts a digest (CKF_DIGEST).
	NewDigest func(p Param) (hash.Hash, error)
	// NewSigner starts a signature with a key's parsed material: a
	// private key, or a secret key's value for a MAC (CKF_SIGN).
	NewSigner func(key any, p Param) (Signer, error)
	// NewVerifier starts a verification with a public key's parsed
	// material, or a secret key's value (CKF_VERIFY).
	NewVerifier func(key any, p Param) (Verifier, error)
	// NewEncrypter starts an encryption with a public key or a secret
	// key's value (CKF_ENCRYPT, and CKF_WRAP for C_WrapKey).
	NewEncrypter func(key any, p Param) (Cipher, error)
	// NewDecrypter starts a decryption with a private key or a secret
	// key's value (CKF_DECRYPT, and CKF_UNWRAP for C_UnwrapKey).
	NewDecrypter func(key any, p Param) (Cipher, error)
	// GenerateKeyPair makes a key pair from the application's templates
	// and returns the attributes it produced for each (CKF_GENERATE_KEY_PAIR).
	GenerateKeyPair func(p Param, pub, priv object.Template) (pubMaterial, privMaterial object.Template, err error)
	// GenerateKey makes a secret key from the application's template and
	// returns the attributes it produced (CKF_GENERATE).
	GenerateKey func(p Param, tmpl object.Template) (material object.Template, err error)
	// Derive computes the value of the object C_DeriveKey makes from
	// base (CKF_DERIVE): n bytes, or, when n is 0, the length of the
	// mechanism's own result. objects finds a key the parameter names
	// by handle (HKDF's salt key).
	Derive func(base *object.Object, p Param, n int, objects Objects) ([]byte, error)
	// DataBase: Derive also takes a data object as its base, besides
	// keys of KeyTypes (HKDF, given a salt).
	DataBase bool
	// DerivesData: the derivation makes a data object (CKO_DATA), not a
	// secret key.
	DerivesData bool
	// Encapsulate makes a shared secret and the ciphertext that carries
	// it to the private key's holder, with a public key's parsed material
	// (CKF_ENCAPSULATE, for C_EncapsulateKey).
	Encapsulate func(pub any, p Param) (ciphertext, secret []byte, err error)
	// Decapsulate recovers the shared secret from a ciphertext with a
	// private key's parsed material (CKF_DECAPSULATE, for
	// C_DecapsulateKey): CKR_WRAPPED_KEY_LEN_RANGE for a ciphertext of
	// the wrong length.
	Decapsulate func(priv any, p Param, ciphertext []byte) (secret []byte, err error)
}

// Objects looks up a key a mechanism's parameter names by handle (HKDF's
// salt key), as the calling session sees it and as the key's policy lets
// the mechanism use it (CKA_DERIVE, CKA_ALLOWED_MECHANISMS):
// CKR_MECHANISM_PARAM_INVALID otherwise, since the handle came in a
// parameter.
type Objects func(ck.ObjectHandle) (*object.Object, error)

// Signer is a signature in progress. Message data comes through Update
// (multi-part) and the final Sign call.
type Signer interface {
	// Len is the length of the signature Sign returns.
	Len() int
	// Update adds message data.
	Update(p []byte) error
	// Sign adds data, which may be empty, and signs the whole message.
	Sign(data []byte) ([]byte, error)
}

// Verifier is a verification in progress, fed like a Signer.
type Verifier interface {
	// Len is the length of a valid signature.
	Len() int
	Update(p []byte) error
	// Verify adds data and checks sig over the whole message:
	// CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID or nil.
	Verify(data, sig []byte) error
}

// Cipher is an encryption or a decryption in progress. Update and Final
// append their output to dst; dst and src may be the same memory only
// when they start at the same address.
type Cipher interface {
	// OutLen is the length of the next call's output for n more input
	// bytes: exact for Update (final false); for Final an upper bound,
	// exact unless a decryption has yet to remove padding.
	OutLen(n int, final bool) int
	// Update processes src and returns the output it completes.
	Update(dst, src []byte) ([]byte, error)
	// Final processes src, which may be empty, and finishes: the
	// remaining output, after any authentication tag or padding checks.
	Final(dst, src []byte) ([]byte, error)
	// Clone copies the state, so that the engine can compute an output
	// it may then not be able to return (a caller's buffer shorter than
	// OutLen's bound) without losing the operation.
	Clone() Cipher
}

var registry = map[ck.MechanismType]*Mechanism{}

func register(m *Mechanism) {
	if _, dup := registry[m.Type]; dup {
		panic("mech: " + m.Type.String() + " registered twice")
	}
	if m.Packages == "" {
		panic("mech: " + m.Type.String() + " must name the Go packages that compute it")
	}
	usesKey := m.NewSigner != nil || m.NewVerifier != nil || m.NewEncrypter != nil || m.NewDecrypter != nil ||
		m.Derive != nil || m.Encapsulate != nil || m.Decapsulate != nil
	switch {
	case (m.GenerateKeyPair != nil || m.GenerateKey != nil) && len(m.KeyTypes) != 1:
		panic("mech: " + m.Type.String() + " must name the one key type it generates")
	case usesKey && len(m.KeyTypes) == 0:
		panic("mech: " + m.Type.String() + " must name the key types it works with")
	}
	registry[m.Type] = m
}

// Accepts reports whether the mechanism works with keys of type kt.
func (m *Mechanism) Accepts(kt ck.KeyType) bool { return slices.Contains(m.KeyTypes, kt) }

// Lookup returns the mechanism t, or CKR_MECHANISM_INVALID.
func Lookup(t ck.MechanismType) (*Mechanism, error) {
	if m, ok := registry[t]; ok {
		return m, nil
	}
	return nil, ck.Errorf(ck.CKR_MECHANISM_INVALID, "%v is not supported", t)
}

// List returns every registered mechanism type in ascending order.
func List() []ck.MechanismType {
	return slices.Sorted(maps.Keys(registry))
}

// feed is how a signature mechanism takes in its message: buffered as
// is, or hashed.
type feed interface {
	Update(p []byte) error
	message(data []byte) []byte
}

// newFeed hashes the message with h, or buffers it when h is zero.
func newFeed(h crypto.Hash) feed {
	if h == 0 {
		return &buffer{}
	}
	return hasher{h.New()}
}

// buffer collects the message of a mechanism that signs its input as a
// whole (no hashing inside), so that it can still be fed in parts.
type buffer struct{ data []byte }

func (b *buffer) Update(p []byte) error {
	b.data = append(b.data, p...)
	return nil
}

func (b *buffer) message(data []byte) []byte {
	if b.data == nil {
		return data
	}
	return append(b.data, data...)
}

// hasher feeds a message into a hash, for the mechanisms that hash
// before they sign.
type hasher struct{ h hash.Hash }

func (h hasher) Update(p []byte) error {
	h.h.Write(p)
	return nil
}

func (h hasher) message(data []byte) []byte {
	h.h.Write(data)
	return h.h.Sum(nil)
}

// keyPairMaterial describes a generated key pair as the attributes the
// mechanism gives each half.
func keyPairMaterial(priv, pub any) (object.Template, object.Template, error) {
	privMaterial, err := pki.PrivateKeyTemplate(priv)
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	pubMaterial, err := pki.PublicKeyTemplate(pub)
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return pubMaterial, privMaterial, nil
}
