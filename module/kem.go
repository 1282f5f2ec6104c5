package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

// cpkEncapsulateKey follows the output convention for the ciphertext: a
// NULL pCiphertext asks for its length, and neither that nor
// CKR_BUFFER_TOO_SMALL creates a key, so phKey is needed only with a
// buffer.
//
//export cpkEncapsulateKey
func cpkEncapsulateKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hPublicKey C.CK_OBJECT_HANDLE,
	pTemplate *C.CK_ATTRIBUTE, ulAttributeCount C.CK_ULONG, pCiphertext *C.CK_BYTE, pulCiphertextLen *C.CK_ULONG,
	phKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_EncapsulateKey", &result)
	if tracing {
		defer trace("C_EncapsulateKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"publicKey", hPublicKey, "template", attrNames(pTemplate, ulAttributeCount), "query", pCiphertext == nil)
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_EncapsulateKey", hSession, err)
	}
	tmpl, err1 := template(pTemplate, ulAttributeCount)
	out, err2 := output(pCiphertext, pulCiphertextLen)
	if err1 != nil || err2 != nil || (phKey == nil && pCiphertext != nil) {
		return refuse("C_EncapsulateKey", hSession, ck.CKR_ARGUMENTS_BAD)
	}
	key, n, err := engine.EncapsulateKey(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hPublicKey), tmpl, out)
	if err == nil && out != nil {
		*phKey = C.CK_OBJECT_HANDLE(key)
	}
	return rv("C_EncapsulateKey", finishOutput(pulCiphertextLen, n, err))
}

//export cpkDecapsulateKey
func cpkDecapsulateKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hPrivateKey C.CK_OBJECT_HANDLE,
	pTemplate *C.CK_ATTRIBUTE, ulAttributeCount C.CK_ULONG, pCiphertext *C.CK_BYTE, ulCiphertextLen C.CK_ULONG,
	phKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_DecapsulateKey", &result)
	if tracing {
		defer trace("C_DecapsulateKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"privateKey", hPrivateKey, "template", attrNames(pTemplate, ulAttributeCount), "len", ulCiphertextLen)
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_DecapsulateKey", hSession, err)
	}
	tmpl, err1 := template(pTemplate, ulAttributeCount)
	ct, err2 := input(pCiphertext, ulCiphertextLen)
	if err1 != nil || err2 != nil || phKey == nil {
		return refuse("C_DecapsulateKey", hSession, ck.CKR_ARGUMENTS_BAD)
	}
	key, err := engine.DecapsulateKey(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hPrivateKey), tmpl, ct)
	if err != nil {
		return rv("C_DecapsulateKey", err)
	}
	*phKey = C.CK_OBJECT_HANDLE(key)
	return C.CKR_OK
}
