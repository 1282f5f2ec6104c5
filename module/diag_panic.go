//go:build corepkcs11_panic

package main

/*
#include "pkcs11.h"
*/
import "C"

// corepkcs11_panic exists only in a module built with the tag
// corepkcs11_panic, for interop's TestPanicLog: an exported entry that
// panics, as a C_* function would on a bug. The host must get
// CKR_GENERAL_ERROR and the log a stack that names the functions, files
// and lines, in the module as make module builds it (stripped of its
// symbol table and DWARF).
//
//export corepkcs11_panic
func corepkcs11_panic() (result C.CK_RV) {
	defer recoverPanic("corepkcs11_panic", &result)
	var counts map[string]int
	counts["calls"]++
	return C.CKR_OK
}
