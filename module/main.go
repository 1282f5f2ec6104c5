// Command module is the PKCS#11 C ABI of corepkcs11, built with
// -buildmode=c-shared into build/libcorepkcs11.so (make module).
//
// It holds no PKCS#11 logic: the C half (entry.c) exports the C_*
// functions, the function lists and the 3.0 interfaces, and refuses to run
// Go in a forked child; each cpk* function here converts C arguments to Go
// values, calls the engine (package token) and converts the results back.
// No Go pointer is kept by C and no C pointer is kept by Go after a call.
//
// The mechanical part, the C entry points and the Go functions of a
// common shape, is generated from one table by internal/wrapgen.
package main

//go:generate go run ./internal/wrapgen

/*
#cgo CFLAGS: -O2 -Wall -Wno-unused-function
#include <stdlib.h>
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
	"github.com/corepkcs11/corepkcs11/token"
)

// engine is the module instance behind every entry point. It lives for
// the whole process, across C_Finalize and C_Initialize, so handles are
// never reused. The store is located, and COREPKCS11_LEGACY read, at each
// C_Initialize from the process's current environment.
var engine = token.New(token.Config{
	Log:           logger,
	Locate:        func() (string, error) { return store.LocationFrom(getenv) },
	DisableLegacy: func() bool { return getenv("COREPKCS11_LEGACY") == "0" },
})

// getenv reads the process's environment as it is now. Go's os.Getenv in
// a shared library sees only the environment the process started with,
// not variables the host set later (Python's os.environ, setenv before
// dlopen).
func getenv(name string) string {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if v := C.getenv(cname); v != nil {
		return C.GoString(v)
	}
	return ""
}

func main() {}

// rv converts an engine result to a CK_RV. Errors that carry no CK_RV are
// bugs or environment failures: they are logged and become
// CKR_GENERAL_ERROR.
func rv(fn string, err error) C.CK_RV {
	if err == nil {
		return C.CKR_OK
	}
	code := ck.ToRV(err)
	if code == ck.CKR_GENERAL_ERROR || code == ck.CKR_DEVICE_ERROR || code == ck.CKR_FUNCTION_FAILED {
		logger.Error("call failed", "function", fn, "rv", code, "err", err)
	}
	return C.CK_RV(code)
}
