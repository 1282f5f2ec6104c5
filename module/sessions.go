package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

//export cpkOpenSession
func cpkOpenSession(slotID C.CK_SLOT_ID, flags C.CK_FLAGS, phSession *C.CK_SESSION_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_OpenSession", &result)
	if tracing {
		defer trace("C_OpenSession", time.Now(), &result, "slot", slotID, "flags", uint(flags))
	}
	if phSession == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	h, err := engine.OpenSession(ck.SlotID(slotID), ck.Flags(flags))
	if err != nil {
		return rv("C_OpenSession", err)
	}
	*phSession = C.CK_SESSION_HANDLE(h)
	return C.CKR_OK
}

//export cpkCloseSession
func cpkCloseSession(hSession C.CK_SESSION_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_CloseSession", &result)
	if tracing {
		defer trace("C_CloseSession", time.Now(), &result, "session", hSession)
	}
	return rv("C_CloseSession", engine.CloseSession(ck.SessionHandle(hSession)))
}

//export cpkCloseAllSessions
func cpkCloseAllSessions(slotID C.CK_SLOT_ID) (result C.CK_RV) {
	defer recoverPanic("C_CloseAllSessions", &result)
	if tracing {
		defer trace("C_CloseAllSessions", time.Now(), &result, "slot", slotID)
	}
	return rv("C_CloseAllSessions", engine.CloseAllSessions(ck.SlotID(slotID)))
}

//export cpkGetSessionInfo
func cpkGetSessionInfo(hSession C.CK_SESSION_HANDLE, pInfo *C.CK_SESSION_INFO) (result C.CK_RV) {
	defer recoverPanic("C_GetSessionInfo", &result)
	if tracing {
		defer trace("C_GetSessionInfo", time.Now(), &result, "session", hSession)
	}
	info, err := engine.GetSessionInfo(ck.SessionHandle(hSession))
	if err != nil {
		return rv("C_GetSessionInfo", err)
	}
	if pInfo == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	pInfo.slotID = C.CK_SLOT_ID(info.SlotID)
	pInfo.state = C.CK_STATE(info.State)
	pInfo.flags = C.CK_FLAGS(info.Flags)
	pInfo.ulDeviceError = C.CK_ULONG(info.DeviceError)
	return C.CKR_OK
}

//export cpkLogin
func cpkLogin(hSession C.CK_SESSION_HANDLE, userType C.CK_USER_TYPE, pPin *C.CK_UTF8CHAR, ulPinLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_Login", &result)
	if tracing {
		defer trace("C_Login", time.Now(), &result, "session", hSession, "user", ck.UserType(userType))
	}
	pin, err := input((*C.CK_BYTE)(pPin), ulPinLen)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_Login", engine.Login(ck.SessionHandle(hSession), ck.UserType(userType), pin))
}

// cpkLoginUser is PKCS#11 3.0's C_LoginUser. Tokens here have one user
// of each type, so the user name plays no part.
//
//export cpkLoginUser
func cpkLoginUser(hSession C.CK_SESSION_HANDLE, userType C.CK_USER_TYPE, pPin *C.CK_UTF8CHAR, ulPinLen C.CK_ULONG, pUsername *C.CK_UTF8CHAR, ulUsernameLen C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_LoginUser", &result)
	if tracing {
		defer trace("C_LoginUser", time.Now(), &result, "session", hSession, "user", ck.UserType(userType))
	}
	pin, err := input((*C.CK_BYTE)(pPin), ulPinLen)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	if _, err := input((*C.CK_BYTE)(pUsername), ulUsernameLen); err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_LoginUser", engine.Login(ck.SessionHandle(hSession), ck.UserType(userType), pin))
}

//export cpkLogout
func cpkLogout(hSession C.CK_SESSION_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_Logout", &result)
	if tracing {
		defer trace("C_Logout", time.Now(), &result, "session", hSession)
	}
	return rv("C_Logout", engine.Logout(ck.SessionHandle(hSession)))
}

//export cpkSessionCancel
func cpkSessionCancel(hSession C.CK_SESSION_HANDLE, flags C.CK_FLAGS) (result C.CK_RV) {
	defer recoverPanic("C_SessionCancel", &result)
	if tracing {
		defer trace("C_SessionCancel", time.Now(), &result, "session", hSession, "flags", uint(flags))
	}
	return rv("C_SessionCancel", engine.SessionCancel(ck.SessionHandle(hSession), ck.Flags(flags)))
}
