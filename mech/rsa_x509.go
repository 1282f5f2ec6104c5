package mech

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"math/big"

	"filippo.io/bigmod"

	"github.com/corepkcs11/corepkcs11/ck"
)

// rawScheme is CKM_RSA_X_509, the bare RSA function: the caller pads its
// input and the token applies the key to it as a big-endian integer.
// Go's crypto/rsa keeps its primitive unexported, so the modular
// exponentiation comes from filippo.io/bigmod, the constant-time
// arithmetic crypto/rsa itself is built on.
type rawScheme struct{}

func (rawScheme) hash() crypto.Hash { return 0 }

// sign computes input^d mod n. The input may be shorter than the modulus
// (it is then left-padded with zeros) but not longer, and its value must
// be below n.
func (rawScheme) sign(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	return rawPrivate(key, msg, ck.CKR_DATA_LEN_RANGE, ck.CKR_DATA_INVALID)
}

// verify recovers sig^e mod n and compares it with the input, left-padded
// with zeros to the modulus size.
func (rawScheme) verify(key *rsa.PublicKey, msg, sig []byte) error {
	if len(msg) > key.Size() {
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_X_509 verifies at most %d bytes with this key, not %d", key.Size(), len(msg))
	}
	got, err := rawPublic(key, sig, ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_INVALID)
	if err != nil {
		return err
	}
	want := make([]byte, len(got))
	copy(want[len(want)-len(msg):], msg)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// encrypt computes input^e mod n, the input read as sign reads it.
func (rawScheme) encrypt(key *rsa.PublicKey, msg []byte) ([]byte, error) {
	return rawPublic(key, msg, ck.CKR_DATA_LEN_RANGE, ck.CKR_DATA_INVALID)
}

// decrypt computes input^d mod n in constant time, like sign: the result
// is the caller's plaintext, padding and all, so nothing here depends on
// its value.
func (rawScheme) decrypt(key *rsa.PrivateKey, ciphertext []byte) ([]byte, error) {
	return rawPrivate(key, ciphertext, ck.CKR_ENCRYPTED_DATA_LEN_RANGE, ck.CKR_ENCRYPTED_DATA_INVALID)
}

// rawPrivate computes in^d mod n as k bytes, failing with tooLong for an
// input longer than the modulus and notBelow for a value not below n.
// The result is checked with the public key, so that a fault never
// releases a wrong value (for a signature, one that gives the key away).
func rawPrivate(key *rsa.PrivateKey, in []byte, tooLong, notBelow ck.RV) ([]byte, error) {
	n, m, err := rawInput(&key.PublicKey, in, tooLong, notBelow)
	if err != nil {
		return nil, err
	}
	out := bigmod.NewNat().Exp(m, key.D.Bytes(), n)
	check := bigmod.NewNat().ExpShortVarTime(out, uint(key.E), n)
	if check.Equal(m) != 1 {
		return nil, ck.Errorf(ck.CKR_FUNCTION_FAILED, "CKM_RSA_X_509 result failed its check with the public key")
	}
	return out.Bytes(n), nil
}

// rawPublic computes in^e mod n as k bytes, with rawPrivate's errors.
func rawPublic(key *rsa.PublicKey, in []byte, tooLong, notBelow ck.RV) ([]byte, error) {
	n, m, err := rawInput(key, in, tooLong, notBelow)
	if err != nil {
		return nil, err
	}
	return bigmod.NewNat().ExpShortVarTime(m, uint(key.E), n).Bytes(n), nil
}

// rawInput reads in as a big-endian number below the key's modulus.
func rawInput(key *rsa.PublicKey, in []byte, tooLong, notBelow ck.RV) (*bigmod.Modulus, *bigmod.Nat, error) {
	n, err := rawModulus(key)
	if err != nil {
		return nil, nil, err
	}
	if len(in) > n.Size() {
		return nil, nil, ck.Errorf(tooLong, "CKM_RSA_X_509 takes at most %d bytes with this key, not %d", n.Size(), len(in))
	}
	m, err := bigmod.NewNat().SetBytes(in, n)
	if err != nil {
		return nil, nil, ck.Errorf(notBelow, "CKM_RSA_X_509 input is not below the modulus")
	}
	return n, m, nil
}

func rawModulus(key *rsa.PublicKey) (*bigmod.Modulus, error) {
	// bigmod's Montgomery arithmetic needs an odd modulus, as every RSA modulus is.
	if key.N == nil || key.N.Sign() <= 0 || key.N.Bit(0) == 0 || key.E <= 0 || big.NewInt(int64(key.E)).Cmp(key.N) >= 0 {
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_RSA_X_509 needs a valid RSA key")
	}
	n, err := bigmod.NewModulus(key.N.Bytes())
	if err != nil {
		return nil, ck.Wrap(ck.CKR_KEY_TYPE_INCONSISTENT, err)
	}
	return n, nil
}
