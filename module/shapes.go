package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/token"
)

// The argument conversions of the generated C entry points (zwrap.go),
// one per shape of function. fn is the C name, for the log; ops are the
// operations (C_SessionCancel flags) that a refused argument ends.

// mechInitCall runs an Init that takes a mechanism (C_DigestInit).
func mechInitCall(fn string, h C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM,
	call func(*token.Module, ck.SessionHandle, token.Mechanism) error) C.CK_RV {
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse(fn, h, err)
	}
	return rv(fn, call(engine, ck.SessionHandle(h), mc))
}

// keyInitCall runs an Init that takes a mechanism and a key (C_SignInit,
// C_EncryptInit, …).
func keyInitCall(fn string, h C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hKey C.CK_OBJECT_HANDLE,
	call func(*token.Module, ck.SessionHandle, token.Mechanism, ck.ObjectHandle) error) C.CK_RV {
	mc, err := mechanism(pMechanism)
	if err != nil {
		return refuse(fn, h, err)
	}
	return rv(fn, call(engine, ck.SessionHandle(h), mc, ck.ObjectHandle(hKey)))
}

// inOutCall runs a call with input and output (C_Sign, C_EncryptUpdate,
// C_DigestEncryptUpdate, …) under the spec's output buffer convention.
func inOutCall(fn string, ops ck.Flags, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte, []byte) (int, error)) C.CK_RV {
	in, err1 := input(pIn, ulInLen)
	out, err2 := output(pOut, pulOutLen)
	if err1 != nil || err2 != nil {
		return abandon(fn, ops, h)
	}
	n, err := call(engine, ck.SessionHandle(h), in, out)
	return rv(fn, finishOutput(pulOutLen, n, err))
}

// inCall runs a call with input only (C_SignUpdate, C_VerifyFinal).
func inCall(fn string, ops ck.Flags, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte) error) C.CK_RV {
	in, err := input(pIn, ulInLen)
	if err != nil {
		return abandon(fn, ops, h)
	}
	return rv(fn, call(engine, ck.SessionHandle(h), in))
}

// outCall runs the last step of a multi-part function with output
// (C_DigestFinal, C_EncryptFinal, …).
func outCall(fn string, ops ck.Flags, h C.CK_SESSION_HANDLE, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte) (int, error)) C.CK_RV {
	out, err := output(pOut, pulOutLen)
	if err != nil {
		return abandon(fn, ops, h)
	}
	n, err := call(engine, ck.SessionHandle(h), out)
	return rv(fn, finishOutput(pulOutLen, n, err))
}

// inInCall runs a call with two inputs (C_Verify: data and signature).
func inInCall(fn string, ops ck.Flags, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG, pIn2 *C.CK_BYTE, ulIn2Len C.CK_ULONG,
	call func(*token.Module, ck.SessionHandle, []byte, []byte) error) C.CK_RV {
	in, err1 := input(pIn, ulInLen)
	in2, err2 := input(pIn2, ulIn2Len)
	if err1 != nil || err2 != nil {
		return abandon(fn, ops, h)
	}
	return rv(fn, call(engine, ck.SessionHandle(h), in, in2))
}

// abandon answers CKR_ARGUMENTS_BAD to a call on operations whose
// pointers the C layer refused. Like any error but CKR_BUFFER_TOO_SMALL,
// it ends them; the engine never saw the call, so it is told.
func abandon(fn string, ops ck.Flags, h C.CK_SESSION_HANDLE) C.CK_RV {
	if err := engine.SessionCancel(ck.SessionHandle(h), ops); err != nil {
		return rv(fn, err) // no module or no session: that comes first
	}
	return rv(fn, ck.CKR_ARGUMENTS_BAD)
}

// refuse answers a call whose arguments the C layer refused with err,
// unless the call has no module or no session to go to: those errors
// come first, as they would from the engine.
func refuse(fn string, h C.CK_SESSION_HANDLE, err error) C.CK_RV {
	if _, serr := engine.GetSessionInfo(ck.SessionHandle(h)); serr != nil {
		return rv(fn, serr)
	}
	return rv(fn, err)
}
