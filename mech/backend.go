package mech

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"sync/atomic"
)

// Backend computes signatures with private keys in a crypto library other
// than Go's. RSA signing in Go's crypto/rsa runs at about a third of
// OpenSSL's speed, and ECDSA at about two thirds, so the C ABI module
// installs OpenSSL's libcrypto when the system has it (package
// mech/libcrypto). Everything else (hashing, verification, key
// generation, symmetric ciphers) stays in Go, and so does every operation
// a Backend declines: a Go program using the engine in-process runs on
// Go's crypto alone unless it installs a Backend itself.
type Backend interface {
	// Name says which library computes the signatures, for logs and for
	// `corepkcs11 bench`.
	Name() string
	// SignRSA signs msg with key as s says, or returns ok false when it
	// cannot, and Go's crypto/rsa signs instead. msg has been checked
	// against the key's size and the scheme.
	SignRSA(key *rsa.PrivateKey, s RSASignature, msg []byte) (sig []byte, ok bool)
	// SignECDSA signs digest with key and returns the ASN.1 DER
	// signature, or ok false when it cannot, and Go's crypto/ecdsa signs
	// instead.
	SignECDSA(key *ecdsa.PrivateKey, digest []byte) (der []byte, ok bool)
}

// RSASignature is an RSA signature scheme with its parameters resolved.
type RSASignature struct {
	// PSS selects RSASSA-PSS with MGF1 over Hash; otherwise msg is an
	// encoded DigestInfo (or a CKM_RSA_PKCS caller's raw input) to pad
	// as RSASSA-PKCS1-v1_5 block type 1 and sign as it is.
	PSS bool
	// Hash is the hash of the PSS digest msg.
	Hash crypto.Hash
	// SaltLen is the PSS salt's length in bytes; 0 means no salt.
	SaltLen int
}

// GoCrypto is the name of the signing backend when none is installed.
const GoCrypto = "Go crypto (crypto/ecdsa, crypto/rsa)"

var backend atomic.Pointer[Backend]

// UseBackend makes b compute the signatures it can from now on; nil goes
// back to Go's crypto alone.
func UseBackend(b Backend) {
	if b == nil {
		backend.Store(nil)
		return
	}
	backend.Store(&b)
}

// BackendName names the library that signs with private keys: the
// installed Backend's name, or GoCrypto.
func BackendName() string {
	if b := backend.Load(); b != nil {
		return (*b).Name()
	}
	return GoCrypto
}

// installed is the Backend in use, or nil.
func installed() Backend {
	if b := backend.Load(); b != nil {
		return *b
	}
	return nil
}
