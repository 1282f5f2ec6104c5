package main

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/mech/libcrypto"
)

// useCryptoBackend chooses, at each C_Initialize, which library signs
// with private keys, from COREPKCS11_CRYPTO in the process's environment:
// unset or "auto", OpenSSL's libcrypto when libcrypto.so.3 loads (RSA
// signs about three times as fast as in Go's crypto/rsa), else Go's
// crypto; "go", Go's crypto alone. Everything but signing runs on Go's
// crypto either way.
func useCryptoBackend() error {
	switch v := getenv("COREPKCS11_CRYPTO"); v {
	case "go":
		mech.UseBackend(nil)
	case "", "auto":
		b, err := libcrypto.Load()
		if err != nil {
			logger.Info("signing with Go's crypto", "reason", err)
			mech.UseBackend(nil)
			return nil
		}
		mech.UseBackend(b)
	default:
		return ck.Errorf(ck.CKR_ARGUMENTS_BAD, "COREPKCS11_CRYPTO=%s: auto or go", v)
	}
	logger.Info("signing backend", "backend", mech.BackendName())
	return nil
}
