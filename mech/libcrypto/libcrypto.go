//go:build cgo

// Package libcrypto is a mech.Backend on OpenSSL's libcrypto 3, loaded at
// run time with dlopen: the module has no link-time dependency on
// OpenSSL, runs on Go's crypto alone where libcrypto.so.3 is missing, and
// never exports or clashes with the host's OpenSSL symbols. It signs with
// RSA (PKCS#1 v1.5 and PSS) and ECDSA private keys, each imported once
// into an EVP_PKEY and kept while the Go key lives. It works in an
// OpenSSL library context of its own, so that the host's OpenSSL
// configuration (openssl.cnf, its providers) neither applies to it nor
// sees its keys.
//
// openssl.c declares the few prototypes of the 3.0 API it calls itself,
// so that building needs no OpenSSL headers.
package libcrypto

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "openssl.h"
*/
import "C"

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"sync"
	"unsafe"

	"github.com/corepkcs11/corepkcs11/mech"
)

// Library is the name dlopen loads: OpenSSL 3's libcrypto, found the way
// the host's own libraries are.
const Library = "libcrypto.so.3"

// Backend is a mech.Backend on libcrypto.
type Backend struct {
	name string
	md   map[crypto.Hash]*C.EVP_MD
	rsa  cache[rsa.PrivateKey]
	ec   cache[ecdsa.PrivateKey]
}

var (
	loadOnce sync.Once
	loaded   *Backend
	loadErr  error
)

// Load opens libcrypto.so.3 once per process and returns the Backend on
// it, or why it cannot: the library is missing, older than 3.0, or lacks
// a function.
func Load() (*Backend, error) {
	loadOnce.Do(func() { loaded, loadErr = load() })
	return loaded, loadErr
}

func load() (*Backend, error) {
	path := C.CString(Library)
	defer C.free(unsafe.Pointer(path))
	switch r := C.cpk_load(path); {
	case r == -1:
		return nil, fmt.Errorf("libcrypto: %s does not load: %s", Library, C.GoString(C.cpk_dlerror()))
	case r == -2:
		return nil, fmt.Errorf("libcrypto: %s made no library context (OSSL_LIB_CTX_new)", Library)
	case r > 0:
		return nil, fmt.Errorf("libcrypto: %s has no %s", Library, C.GoString(C.cpk_missing(r)))
	}
	if v := C.cpk_version_num(); v < 0x30000000 {
		return nil, fmt.Errorf("libcrypto: %s is version %#x, not 3.x", Library, uint64(v))
	}
	b := &Backend{name: "OpenSSL libcrypto (" + C.GoString(C.cpk_version()) + ")", md: map[crypto.Hash]*C.EVP_MD{}}
	// OpenSSL's names for the hashes PSS can use; each is fetched once
	// and kept for the life of the process.
	for h, name := range map[crypto.Hash]string{crypto.SHA1: "SHA1", crypto.SHA224: "SHA2-224", crypto.SHA256: "SHA2-256",
		crypto.SHA384: "SHA2-384", crypto.SHA512: "SHA2-512", crypto.SHA3_224: "SHA3-224", crypto.SHA3_256: "SHA3-256",
		crypto.SHA3_384: "SHA3-384", crypto.SHA3_512: "SHA3-512"} {
		cname := C.CString(name)
		if md := C.cpk_md(cname); md != nil {
			b.md[h] = md
		}
		C.free(unsafe.Pointer(cname))
	}
	return b, nil
}

// Name is "OpenSSL libcrypto" and the version OpenSSL reports.
func (b *Backend) Name() string { return b.name }

var _ mech.Backend = (*Backend)(nil)
