package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/token"
)

//export cpkDigestInit
func cpkDigestInit(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM) (result C.CK_RV) {
	defer recoverPanic("C_DigestInit", &result)
	if tracing {
		defer trace("C_DigestInit", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism))
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return rv("C_DigestInit", err)
	}
	return rv("C_DigestInit", engine.DigestInit(ck.SessionHandle(hSession), mc))
}

//export cpkDigest
func cpkDigest(hSession C.CK_SESSION_HANDLE, pData *C.CK_BYTE, ulDataLen C.CK_ULONG, pDigest *C.CK_BYTE, pulDigestLen *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_Digest", &result)
	if tracing {
		defer trace("C_Digest", time.Now(), &result, "session", hSession, "len", ulDataLen, "query", pDigest == nil)
	}
	return onePart("C_Digest", ck.CKF_DIGEST, hSession, pData, ulDataLen, pDigest, pulDigestLen, (*token.Module).Digest)
}

//export cpkDigestUpdate
func cpkDigestUpdate(hSession C.CK_SESSION_HANDLE, pPart *C.CK_BYTE, ulPartLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_DigestUpdate", &result)
	if tracing {
		defer trace("C_DigestUpdate", time.Now(), &result, "session", hSession, "len", ulPartLen)
	}
	data, err := input(pPart, ulPartLen)
	if err != nil {
		return abandon("C_DigestUpdate", ck.CKF_DIGEST, hSession)
	}
	return rv("C_DigestUpdate", engine.DigestUpdate(ck.SessionHandle(hSession), data))
}

//export cpkDigestKey
func cpkDigestKey(hSession C.CK_SESSION_HANDLE, hKey C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_DigestKey", &result)
	if tracing {
		defer trace("C_DigestKey", time.Now(), &result, "session", hSession, "key", hKey)
	}
	return rv("C_DigestKey", engine.DigestKey(ck.SessionHandle(hSession), ck.ObjectHandle(hKey)))
}

//export cpkDigestFinal
func cpkDigestFinal(hSession C.CK_SESSION_HANDLE, pDigest *C.CK_BYTE, pulDigestLen *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_DigestFinal", &result)
	if tracing {
		defer trace("C_DigestFinal", time.Now(), &result, "session", hSession, "query", pDigest == nil)
	}
	return finalPart("C_DigestFinal", ck.CKF_DIGEST, hSession, pDigest, pulDigestLen, (*token.Module).DigestFinal)
}

//export cpkSignInit
func cpkSignInit(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hKey C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_SignInit", &result)
	if tracing {
		defer trace("C_SignInit", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism), "key", hKey)
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return rv("C_SignInit", err)
	}
	return rv("C_SignInit", engine.SignInit(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hKey)))
}

//export cpkSign
func cpkSign(hSession C.CK_SESSION_HANDLE, pData *C.CK_BYTE, ulDataLen C.CK_ULONG, pSignature *C.CK_BYTE, pulSignatureLen *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_Sign", &result)
	if tracing {
		defer trace("C_Sign", time.Now(), &result, "session", hSession, "len", ulDataLen, "query", pSignature == nil)
	}
	return onePart("C_Sign", ck.CKF_SIGN, hSession, pData, ulDataLen, pSignature, pulSignatureLen, (*token.Module).Sign)
}

//export cpkSignUpdate
func cpkSignUpdate(hSession C.CK_SESSION_HANDLE, pPart *C.CK_BYTE, ulPartLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_SignUpdate", &result)
	if tracing {
		defer trace("C_SignUpdate", time.Now(), &result, "session", hSession, "len", ulPartLen)
	}
	data, err := input(pPart, ulPartLen)
	if err != nil {
		return abandon("C_SignUpdate", ck.CKF_SIGN, hSession)
	}
	return rv("C_SignUpdate", engine.SignUpdate(ck.SessionHandle(hSession), data))
}

//export cpkSignFinal
func cpkSignFinal(hSession C.CK_SESSION_HANDLE, pSignature *C.CK_BYTE, pulSignatureLen *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_SignFinal", &result)
	if tracing {
		defer trace("C_SignFinal", time.Now(), &result, "session", hSession, "query", pSignature == nil)
	}
	return finalPart("C_SignFinal", ck.CKF_SIGN, hSession, pSignature, pulSignatureLen, (*token.Module).SignFinal)
}

//export cpkVerifyInit
func cpkVerifyInit(hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hKey C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_VerifyInit", &result)
	if tracing {
		defer trace("C_VerifyInit", time.Now(), &result, "session", hSession, "mechanism", mechName(pMechanism), "key", hKey)
	}
	mc, err := mechanism(pMechanism)
	if err != nil {
		return rv("C_VerifyInit", err)
	}
	return rv("C_VerifyInit", engine.VerifyInit(ck.SessionHandle(hSession), mc, ck.ObjectHandle(hKey)))
}

//export cpkVerify
func cpkVerify(hSession C.CK_SESSION_HANDLE, pData *C.CK_BYTE, ulDataLen C.CK_ULONG, pSignature *C.CK_BYTE, ulSignatureLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_Verify", &result)
	if tracing {
		defer trace("C_Verify", time.Now(), &result, "session", hSession, "len", ulDataLen)
	}
	data, err1 := input(pData, ulDataLen)
	sig, err2 := input(pSignature, ulSignatureLen)
	if err1 != nil || err2 != nil {
		return abandon("C_Verify", ck.CKF_VERIFY, hSession)
	}
	return rv("C_Verify", engine.Verify(ck.SessionHandle(hSession), data, sig))
}

//export cpkVerifyUpdate
func cpkVerifyUpdate(hSession C.CK_SESSION_HANDLE, pPart *C.CK_BYTE, ulPartLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_VerifyUpdate", &result)
	if tracing {
		defer trace("C_VerifyUpdate", time.Now(), &result, "session", hSession, "len", ulPartLen)
	}
	data, err := input(pPart, ulPartLen)
	if err != nil {
		return abandon("C_VerifyUpdate", ck.CKF_VERIFY, hSession)
	}
	return rv("C_VerifyUpdate", engine.VerifyUpdate(ck.SessionHandle(hSession), data))
}

//export cpkVerifyFinal
func cpkVerifyFinal(hSession C.CK_SESSION_HANDLE, pSignature *C.CK_BYTE, ulSignatureLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_VerifyFinal", &result)
	if tracing {
		defer trace("C_VerifyFinal", time.Now(), &result, "session", hSession)
	}
	sig, err := input(pSignature, ulSignatureLen)
	if err != nil {
		return abandon("C_VerifyFinal", ck.CKF_VERIFY, hSession)
	}
	return rv("C_VerifyFinal", engine.VerifyFinal(ck.SessionHandle(hSession), sig))
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

// onePart runs a single-part function with output (C_Digest, C_Sign)
// under the spec's output buffer convention; op names the operation it
// belongs to.
func onePart(fn string, op ck.Flags, h C.CK_SESSION_HANDLE, pData *C.CK_BYTE, ulDataLen C.CK_ULONG, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte, []byte) (int, error)) C.CK_RV {
	data, err := input(pData, ulDataLen)
	if err != nil {
		return abandon(fn, op, h)
	}
	out, err := output(pOut, pulOutLen)
	if err != nil {
		return abandon(fn, op, h)
	}
	n, err := call(engine, ck.SessionHandle(h), data, out)
	return rv(fn, finishOutput(pulOutLen, n, err))
}

// finalPart runs the last step of a multi-part function with output
// (C_DigestFinal, C_SignFinal).
func finalPart(fn string, op ck.Flags, h C.CK_SESSION_HANDLE, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte) (int, error)) C.CK_RV {
	out, err := output(pOut, pulOutLen)
	if err != nil {
		return abandon(fn, op, h)
	}
	n, err := call(engine, ck.SessionHandle(h), out)
	return rv(fn, finishOutput(pulOutLen, n, err))
}

// abandon answers CKR_ARGUMENTS_BAD to a call on an operation (op:
// CKF_DIGEST, CKF_SIGN, CKF_VERIFY) whose pointers the C layer refused.
// Like any error but CKR_BUFFER_TOO_SMALL, it ends the session's
// operation of that kind; the engine never saw the call, so it is told.
func abandon(fn string, op ck.Flags, h C.CK_SESSION_HANDLE) C.CK_RV {
	engine.SessionCancel(ck.SessionHandle(h), op)
	return rv(fn, ck.CKR_ARGUMENTS_BAD)
}

// mechName names a mechanism for the trace log.
func mechName(p *C.CK_MECHANISM) string {
	if p == nil {
		return "NULL"
	}
	return ck.MechanismType(p.mechanism).String()
}
