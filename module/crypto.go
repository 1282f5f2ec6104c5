package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

//export cpkDigestKey
func cpkDigestKey(hSession C.CK_SESSION_HANDLE, hKey C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_DigestKey", &result)
	if tracing {
		defer trace("C_DigestKey", time.Now(), &result, "session", hSession, "key", hKey)
	}
	return rv("C_DigestKey", engine.DigestKey(ck.SessionHandle(hSession), ck.ObjectHandle(hKey)))
}

//export cpkGenerateKeyPair
func cpkGenerateKeyPair(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM,
	pPublicKeyTemplate *C.CK_ATTRIBUTE, ulPublicKeyAttributeCount C.CK_ULONG,
	pPrivateKeyTemplate *C.CK_ATTRIBUTE, ulPrivateKeyAttributeCount C.CK_ULONG,
	phPublicKey, phPrivateKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_GenerateKeyPair", &result)
	if tracing {
		defer trace("C_GenerateKeyPair", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"public", attrNames(pPublicKeyTemplate, ulPublicKeyAttributeCount), "private", attrNames(pPrivateKeyTemplate, ulPrivateKeyAttributeCount))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return rv("C_GenerateKeyPair", err)
	}
	pubTmpl, err1 := template(pPublicKeyTemplate, ulPublicKeyAttributeCount)
	privTmpl, err2 := template(pPrivateKeyTemplate, ulPrivateKeyAttributeCount)
	if err1 != nil || err2 != nil || phPublicKey == nil || phPrivateKey == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pub, priv, err := engine.GenerateKeyPair(ck.SessionHandle(hSession), mc, pubTmpl, privTmpl)
	if err != nil {
		return rv("C_GenerateKeyPair", err)
	}
	*phPublicKey, *phPrivateKey = C.CK_OBJECT_HANDLE(pub), C.CK_OBJECT_HANDLE(priv)
	return C.CKR_OK
}

//export cpkGenerateKey
func cpkGenerateKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG, phKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_GenerateKey", &result)
	if tracing {
		defer trace("C_GenerateKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism), "template", attrNames(pTemplate, ulCount))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return rv("C_GenerateKey", err)
	}
	tmpl, err := template(pTemplate, ulCount)
	if err != nil || phKey == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	key, err := engine.GenerateKey(ck.SessionHandle(hSession), mc, tmpl)
	if err != nil {
		return rv("C_GenerateKey", err)
	}
	*phKey = C.CK_OBJECT_HANDLE(key)
	return C.CKR_OK
}

//export cpkWrapKey
func cpkWrapKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hWrappingKey, hKey C.CK_OBJECT_HANDLE,
	pWrappedKey *C.CK_BYTE, pulWrappedKeyLen *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_WrapKey", &result)
	if tracing {
		defer trace("C_WrapKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"wrappingKey", hWrappingKey, "key", hKey, "query", pWrappedKey == nil)
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_WrapKey", hSession, err)
	}
	out, err := output(pWrappedKey, pulWrappedKeyLen)
	if err != nil {
		return refuse("C_WrapKey", hSession, err)
	}
	n, err := engine.WrapKey(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hWrappingKey), ck.ObjectHandle(hKey), out)
	return rv("C_WrapKey", finishOutput(pulWrappedKeyLen, n, err))
}

//export cpkUnwrapKey
func cpkUnwrapKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hUnwrappingKey C.CK_OBJECT_HANDLE,
	pWrappedKey *C.CK_BYTE, ulWrappedKeyLen C.CK_ULONG, pTemplate *C.CK_ATTRIBUTE, ulAttributeCount C.CK_ULONG,
	phKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_UnwrapKey", &result)
	if tracing {
		defer trace("C_UnwrapKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"unwrappingKey", hUnwrappingKey, "len", ulWrappedKeyLen, "template", attrNames(pTemplate, ulAttributeCount))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_UnwrapKey", hSession, err)
	}
	wrapped, err1 := input(pWrappedKey, ulWrappedKeyLen)
	tmpl, err2 := template(pTemplate, ulAttributeCount)
	if err1 != nil || err2 != nil || phKey == nil {
		return refuse("C_UnwrapKey", hSession, ck.CKR_ARGUMENTS_BAD)
	}
	key, err := engine.UnwrapKey(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hUnwrappingKey), wrapped, tmpl)
	if err != nil {
		return rv("C_UnwrapKey", err)
	}
	*phKey = C.CK_OBJECT_HANDLE(key)
	return C.CKR_OK
}

//export cpkDeriveKey
func cpkDeriveKey(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hBaseKey C.CK_OBJECT_HANDLE,
	pTemplate *C.CK_ATTRIBUTE, ulAttributeCount C.CK_ULONG, phKey *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_DeriveKey", &result)
	if tracing {
		defer trace("C_DeriveKey", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism),
			"baseKey", hBaseKey, "template", attrNames(pTemplate, ulAttributeCount))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse("C_DeriveKey", hSession, err)
	}
	tmpl, err := template(pTemplate, ulAttributeCount)
	if err != nil || phKey == nil {
		return refuse("C_DeriveKey", hSession, ck.CKR_ARGUMENTS_BAD)
	}
	key, err := engine.DeriveKey(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hBaseKey), tmpl)
	if err != nil {
		return rv("C_DeriveKey", err)
	}
	*phKey = C.CK_OBJECT_HANDLE(key)
	return C.CKR_OK
}

//export cpkSeedRandom
func cpkSeedRandom(hSession C.CK_SESSION_HANDLE, pSeed *C.CK_BYTE, ulSeedLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_SeedRandom", &result)
	if tracing {
		defer trace("C_SeedRandom", time.Now(), &result, "session", hSession)
	}
	seed, err := input(pSeed, ulSeedLen)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_SeedRandom", engine.SeedRandom(ck.SessionHandle(hSession), seed))
}

//export cpkGenerateRandom
func cpkGenerateRandom(hSession C.CK_SESSION_HANDLE, pRandomData *C.CK_BYTE, ulRandomLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_GenerateRandom", &result)
	if tracing {
		defer trace("C_GenerateRandom", time.Now(), &result, "session", hSession, "len", ulRandomLen)
	}
	out, err := input(pRandomData, ulRandomLen)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_GenerateRandom", engine.GenerateRandom(ck.SessionHandle(hSession), out))
}

// mechName names a mechanism for the trace log.
func mechName(p *C.CK_MECHANISM) string {
	if p == nil {
		return "NULL"
	}
	return ck.MechanismType(p.mechanism).String()
}
