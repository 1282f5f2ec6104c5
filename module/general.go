package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

//export cpkInitialize
func cpkInitialize(pInitArgs C.CK_VOID_PTR) (result C.CK_RV) {
	defer recoverPanic("C_Initialize", &result)
	if tracing {
		defer trace("C_Initialize", time.Now(), &result, initArgsAttrs(pInitArgs)...)
	}
	if pInitArgs != nil {
		if err := checkInitArgs((*C.CK_C_INITIALIZE_ARGS)(pInitArgs)); err != nil {
			return rv("C_Initialize", err)
		}
	}
	if err := useCryptoBackend(); err != nil {
		return rv("C_Initialize", err)
	}
	return rv("C_Initialize", engine.Initialize())
}

// initArgsAttrs describes CK_C_INITIALIZE_ARGS for the trace log.
func initArgsAttrs(p C.CK_VOID_PTR) []any {
	if p == nil {
		return []any{"args", "NULL"}
	}
	a := (*C.CK_C_INITIALIZE_ARGS)(p)
	return []any{"flags", uint(a.flags), "mutexFunctions", a.CreateMutex != nil, "reserved", a.pReserved != nil}
}

// checkInitArgs applies the spec's four cases (section 5.4): the engine
// locks with Go's own primitives, which serve when the application allows
// OS locking or asks for no locking; it cannot use the application's
// mutex callbacks alone. CKF_LIBRARY_CANT_CREATE_OS_THREADS is accepted:
// no call starts a thread of its own, and the Go runtime's threads exist
// from the moment the library is loaded. p11-kit (and so GnuTLS) always
// sets this flag.
func checkInitArgs(a *C.CK_C_INITIALIZE_ARGS) error {
	if a.pReserved != nil {
		return ck.Errorf(ck.CKR_ARGUMENTS_BAD, "pReserved must be NULL")
	}
	set := 0
	for _, fn := range []bool{a.CreateMutex != nil, a.DestroyMutex != nil, a.LockMutex != nil, a.UnlockMutex != nil} {
		if fn {
			set++
		}
	}
	if set != 0 && set != 4 {
		return ck.Errorf(ck.CKR_ARGUMENTS_BAD, "mutex functions must be given all or none")
	}
	if set == 4 && a.flags&C.CKF_OS_LOCKING_OK == 0 {
		return ck.Errorf(ck.CKR_CANT_LOCK, "only OS locking is supported, not application mutex callbacks")
	}
	return nil
}

//export cpkFinalize
func cpkFinalize(pReserved C.CK_VOID_PTR) (result C.CK_RV) {
	defer recoverPanic("C_Finalize", &result)
	if tracing {
		defer trace("C_Finalize", time.Now(), &result)
	}
	if pReserved != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_Finalize", engine.Finalize())
}

//export cpkGetInfo
func cpkGetInfo(pInfo *C.CK_INFO) (result C.CK_RV) {
	defer recoverPanic("C_GetInfo", &result)
	if tracing {
		defer trace("C_GetInfo", time.Now(), &result)
	}
	info, err := engine.GetInfo()
	if err != nil {
		return rv("C_GetInfo", err)
	}
	if pInfo == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pInfo.cryptokiVersion = version(info.CryptokiVersion)
	pad(pInfo.manufacturerID[:], info.ManufacturerID)
	pInfo.flags = C.CK_FLAGS(info.Flags)
	pad(pInfo.libraryDescription[:], info.LibraryDescription)
	pInfo.libraryVersion = version(info.LibraryVersion)
	return C.CKR_OK
}
