package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

// C_VerifySignatureInit and C_VerifySignatureFinal, of PKCS#11 3.2;
// C_VerifySignature and C_VerifySignatureUpdate are generated (zwrap.go).

//export cpkVerifySignatureInit
func cpkVerifySignatureInit(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hKey C.CK_OBJECT_HANDLE,
	pSignature *C.CK_BYTE, ulSignatureLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_VerifySignatureInit", &result)
	if tracing {
		defer trace("C_VerifySignatureInit", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"key", hKey, "signatureLen", ulSignatureLen)
	}
	if pMechanism == nil {
		// PKCS#11 3.2: a NULL mechanism ends the active verification.
		// The 2.40 Init functions keep 2.40's CKR_ARGUMENTS_BAD, which
		// their callers test for; this one has no 2.40 callers.
		return rv("C_VerifySignatureInit", engine.SessionCancel(ck.SessionHandle(hSession), ck.CKF_VERIFY))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_VerifySignatureInit", hSession, err)
	}
	sig, err := input(pSignature, ulSignatureLen)
	if err != nil {
		return refuse("C_VerifySignatureInit", hSession, err)
	}
	return rv("C_VerifySignatureInit", engine.VerifySignatureInit(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hKey), sig))
}

//export cpkVerifySignatureFinal
func cpkVerifySignatureFinal(hSession C.CK_SESSION_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_VerifySignatureFinal", &result)
	if tracing {
		defer trace("C_VerifySignatureFinal", time.Now(), &result, "session", hSession)
	}
	return rv("C_VerifySignatureFinal", engine.VerifySignatureFinal(ck.SessionHandle(hSession)))
}
