package mech

import (
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
)

// secretKeyValue is the CKA_VALUE a symmetric cipher mechanism runs
// with: key material of any other kind (a parsed public or private key)
// is a key of the wrong type for it.
func secretKeyValue(t ck.MechanismType, key any) ([]byte, error) {
	k, ok := key.([]byte)
	if !ok {
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs a secret key", t)
	}
	return k, nil
}

// appendSpace extends dst by n bytes and returns the whole and the n new
// bytes. It reallocates only when dst lacks the capacity, so that output
// appended to src[:0] lands on src itself, as in-place callers expect.
func appendSpace(dst []byte, n int) (whole, tail []byte) {
	whole = slices.Grow(dst, n)[:len(dst)+n]
	return whole, whole[len(dst):]
}
