package main

import (
	"runtime"
	"sync"

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
		spareProcs.Do(addSpareProcs)
	default:
		return ck.Errorf(ck.CKR_ARGUMENTS_BAD, "COREPKCS11_CRYPTO=%s: auto or go", v)
	}
	logger.Info("signing backend", "backend", mech.BackendName())
	return nil
}

var spareProcs sync.Once

// addSpareProcs gives the module's Go runtime a P for each host thread
// that may be in libcrypto at once, unless GOMAXPROCS says otherwise. A
// host thread that calls into the module holds one of the runtime's Ps,
// also while a cgo call into libcrypto signs; Go's scheduler takes the P
// of a cgo call that lasts over 20 µs when no P is idle (an ECDSA P-256
// signature lasts about 30), and the call's return then queues for a P
// under the scheduler's lock. With one P per CPU, two threads signing
// ECDSA got 1.42-1.47 times one thread's rate; with twice as many,
// 1.70-2.02 (OpenSSL itself, in two threads, 2.0). The Ps are idle
// otherwise: the module's own goroutines are few and mostly asleep.
//
// The base is the runtime's own GOMAXPROCS, which follows a container's
// CPU quota, not the host's CPU count; setting it stops the runtime from
// following later changes of the quota.
func addSpareProcs() {
	if getenv("GOMAXPROCS") != "" {
		return
	}
	runtime.GOMAXPROCS(2 * runtime.GOMAXPROCS(0))
}
