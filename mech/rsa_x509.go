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
// be below n. The result is checked with the public key, so that a fault
// never releases a wrong signature.
func (rawScheme) sign(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	n, err := rawModulus(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	if len(msg) > n.Size() {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_X_509 signs at most %d bytes with this key, not %d", n.Size(), len(msg))
	}
	m, err := bigmod.NewNat().SetBytes(msg, n)
	if err != nil {
		return nil, ck.Errorf(ck.CKR_DATA_INVALID, "CKM_RSA_X_509 input is not below the modulus")
	}
	s := bigmod.NewNat().Exp(m, key.D.Bytes(), n)
	check := bigmod.NewNat().ExpShortVarTime(s, uint(key.E), n)
	if check.Equal(m) != 1 {
		return nil, ck.Errorf(ck.CKR_FUNCTION_FAILED, "CKM_RSA_X_509 signature failed its check with the public key")
	}
	return s.Bytes(n), nil
}

// verify recovers sig^e mod n and compares it with the input, left-padded
// with zeros to the modulus size.
func (rawScheme) verify(key *rsa.PublicKey, msg, sig []byte) error {
	n, err := rawModulus(key)
	if err != nil {
		return err
	}
	if len(msg) > n.Size() {
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_RSA_X_509 verifies at most %d bytes with this key, not %d", n.Size(), len(msg))
	}
	s, err := bigmod.NewNat().SetBytes(sig, n)
	if err != nil {
		return ck.Errorf(ck.CKR_SIGNATURE_INVALID, "CKM_RSA_X_509 signature is not below the modulus")
	}
	got := bigmod.NewNat().ExpShortVarTime(s, uint(key.E), n).Bytes(n)
	want := make([]byte, n.Size())
	copy(want[len(want)-len(msg):], msg)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
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
