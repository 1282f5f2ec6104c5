package token

import "github.com/corepkcs11/corepkcs11/ck"

// sizeCheck applies the spec's output buffer convention (section 5.2):
// a nil buffer asks for the length, a short one gets
// CKR_BUFFER_TOO_SMALL; both leave the operation active. done is true
// when the caller should return (n, err) without producing output.
func sizeCheck(out []byte, need int) (done bool, err error) {
	if out == nil {
		return true, nil
	}
	if len(out) < need {
		return true, ck.CKR_BUFFER_TOO_SMALL
	}
	return false, nil
}
