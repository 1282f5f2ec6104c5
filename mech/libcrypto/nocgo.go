//go:build !cgo

package libcrypto

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"

	"github.com/corepkcs11/corepkcs11/mech"
)

// Library is the name dlopen would load.
const Library = "libcrypto.so.3"

// Backend is never made without cgo.
type Backend struct{}

// Load fails without cgo: dlopen needs it.
func Load() (*Backend, error) {
	return nil, errors.New("libcrypto: built without cgo, so it cannot dlopen " + Library)
}

// Name is never called.
func (*Backend) Name() string { return "" }

// SignRSA is never called.
func (*Backend) SignRSA(*rsa.PrivateKey, mech.RSASignature, []byte) ([]byte, bool) { return nil, false }

// SignECDSA is never called.
func (*Backend) SignECDSA(*ecdsa.PrivateKey, []byte) ([]byte, bool) { return nil, false }
