package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"bytes"
	"time"
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/token"
)

//export cpkGetSlotList
func cpkGetSlotList(tokenPresent C.CK_BBOOL, pSlotList *C.CK_SLOT_ID, pulCount *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_GetSlotList", &result)
	if tracing {
		defer trace("C_GetSlotList", time.Now(), &result, "tokenPresent", tokenPresent != 0, "query", pSlotList == nil)
	}
	slots, err := engine.GetSlotList(tokenPresent != 0)
	if err != nil {
		return rv("C_GetSlotList", err)
	}
	return rv("C_GetSlotList", putList((*C.CK_ULONG)(pSlotList), pulCount, slots))
}

//export cpkGetSlotInfo
func cpkGetSlotInfo(slotID C.CK_SLOT_ID, pInfo *C.CK_SLOT_INFO) (result C.CK_RV) {
	defer recoverPanic("C_GetSlotInfo", &result)
	if tracing {
		defer trace("C_GetSlotInfo", time.Now(), &result, "slot", slotID)
	}
	info, err := engine.GetSlotInfo(ck.SlotID(slotID))
	if err != nil {
		return rv("C_GetSlotInfo", err)
	}
	if pInfo == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pad(pInfo.slotDescription[:], info.SlotDescription)
	pad(pInfo.manufacturerID[:], info.ManufacturerID)
	pInfo.flags = C.CK_FLAGS(info.Flags)
	pInfo.hardwareVersion = version(info.HardwareVersion)
	pInfo.firmwareVersion = version(info.FirmwareVersion)
	return C.CKR_OK
}

//export cpkGetTokenInfo
func cpkGetTokenInfo(slotID C.CK_SLOT_ID, pInfo *C.CK_TOKEN_INFO) (result C.CK_RV) {
	defer recoverPanic("C_GetTokenInfo", &result)
	if tracing {
		defer trace("C_GetTokenInfo", time.Now(), &result, "slot", slotID)
	}
	info, err := engine.GetTokenInfo(ck.SlotID(slotID))
	if err != nil {
		return rv("C_GetTokenInfo", err)
	}
	if pInfo == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pad(pInfo.label[:], info.Label)
	pad(pInfo.manufacturerID[:], info.ManufacturerID)
	pad(pInfo.model[:], info.Model)
	pad(pInfo.serialNumber[:], info.SerialNumber)
	pInfo.flags = C.CK_FLAGS(info.Flags)
	pInfo.ulMaxSessionCount = C.CK_ULONG(info.MaxSessionCount)
	pInfo.ulSessionCount = C.CK_ULONG(info.SessionCount)
	pInfo.ulMaxRwSessionCount = C.CK_ULONG(info.MaxRwSessionCount)
	pInfo.ulRwSessionCount = C.CK_ULONG(info.RwSessionCount)
	pInfo.ulMaxPinLen = C.CK_ULONG(info.MaxPinLen)
	pInfo.ulMinPinLen = C.CK_ULONG(info.MinPinLen)
	pInfo.ulTotalPublicMemory = C.CK_ULONG(info.TotalPublicMemory)
	pInfo.ulFreePublicMemory = C.CK_ULONG(info.FreePublicMemory)
	pInfo.ulTotalPrivateMemory = C.CK_ULONG(info.TotalPrivateMemory)
	pInfo.ulFreePrivateMemory = C.CK_ULONG(info.FreePrivateMemory)
	pInfo.hardwareVersion = version(info.HardwareVersion)
	pInfo.firmwareVersion = version(info.FirmwareVersion)
	pad(pInfo.utcTime[:], info.UTCTime)
	return C.CKR_OK
}

//export cpkGetMechanismList
func cpkGetMechanismList(slotID C.CK_SLOT_ID, pMechanismList *C.CK_MECHANISM_TYPE, pulCount *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_GetMechanismList", &result)
	if tracing {
		defer trace("C_GetMechanismList", time.Now(), &result, "slot", slotID)
	}
	list, err := engine.GetMechanismList(ck.SlotID(slotID))
	if err != nil {
		return rv("C_GetMechanismList", err)
	}
	return rv("C_GetMechanismList", putList((*C.CK_ULONG)(pMechanismList), pulCount, list))
}

//export cpkGetMechanismInfo
func cpkGetMechanismInfo(slotID C.CK_SLOT_ID, typ C.CK_MECHANISM_TYPE, pInfo *C.CK_MECHANISM_INFO) (result C.CK_RV) {
	defer recoverPanic("C_GetMechanismInfo", &result)
	if tracing {
		defer trace("C_GetMechanismInfo", time.Now(), &result, "slot", slotID, "mechanism", ck.MechanismType(typ))
	}
	info, err := engine.GetMechanismInfo(ck.SlotID(slotID), ck.MechanismType(typ))
	if err != nil {
		return rv("C_GetMechanismInfo", err)
	}
	if pInfo == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pInfo.ulMinKeySize = C.CK_ULONG(info.MinKeySize)
	pInfo.ulMaxKeySize = C.CK_ULONG(info.MaxKeySize)
	pInfo.flags = C.CK_FLAGS(info.Flags)
	return C.CKR_OK
}

//export cpkInitToken
func cpkInitToken(slotID C.CK_SLOT_ID, pPin *C.CK_UTF8CHAR, ulPinLen C.CK_ULONG, pLabel *C.CK_UTF8CHAR) (result C.CK_RV) {
	defer recoverPanic("C_InitToken", &result)
	if tracing {
		defer trace("C_InitToken", time.Now(), &result, "slot", slotID)
	}
	pin, err := input((*C.CK_BYTE)(pPin), ulPinLen)
	if err != nil || pLabel == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	// The label is 32 blank-padded bytes; a NUL ends it early for
	// callers that pass a C string.
	label := unsafe.Slice((*byte)(unsafe.Pointer(pLabel)), token.MaxLabelLen)
	if i := bytes.IndexByte(label, 0); i >= 0 {
		label = label[:i]
	}
	// COREPKCS11_KDF in the environment of C_InitToken chooses the cost
	// of the token's PINs, for tokens made by tools that know nothing of
	// it (pkcs11-tool, p11tool).
	kdf, err := token.KDFFromEnv(getenv)
	if err != nil {
		return rv("C_InitToken", err)
	}
	return rv("C_InitToken", engine.InitTokenKDF(ck.SlotID(slotID), pin, string(bytes.TrimRight(label, " ")), kdf))
}

//export cpkInitPIN
func cpkInitPIN(hSession C.CK_SESSION_HANDLE, pPin *C.CK_UTF8CHAR, ulPinLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_InitPIN", &result)
	if tracing {
		defer trace("C_InitPIN", time.Now(), &result, "session", hSession)
	}
	pin, err := input((*C.CK_BYTE)(pPin), ulPinLen)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_InitPIN", engine.InitPIN(ck.SessionHandle(hSession), pin))
}

//export cpkSetPIN
func cpkSetPIN(hSession C.CK_SESSION_HANDLE, pOldPin *C.CK_UTF8CHAR, ulOldLen C.CK_ULONG, pNewPin *C.CK_UTF8CHAR, ulNewLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_SetPIN", &result)
	if tracing {
		defer trace("C_SetPIN", time.Now(), &result, "session", hSession)
	}
	oldPIN, err1 := input((*C.CK_BYTE)(pOldPin), ulOldLen)
	newPIN, err2 := input((*C.CK_BYTE)(pNewPin), ulNewLen)
	if err1 != nil || err2 != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_SetPIN", engine.SetPIN(ck.SessionHandle(hSession), oldPIN, newPIN))
}
