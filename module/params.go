package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/token"
)

// mechanism converts a CK_MECHANISM, decoding its parameter into the Go
// type the mechanism declares (mech.ParamKind). Byte strings in the
// result are views of the caller's memory, read only during the call.
// The parameter fields of a mechanism that takes none are never looked
// at: clients leave them uninitialized, as FreeRTOS's qualification
// tests do. A structure of another size than the mechanism's is not read
// through: it becomes a mech.BadParam, which the engine refuses in its
// turn.
func mechanism(p *C.CK_MECHANISM) (token.Mechanism, error) {
	if p == nil {
		return token.Mechanism{}, ck.CKR_ARGUMENTS_BAD
	}
	mc := token.Mechanism{Type: ck.MechanismType(p.mechanism)}
	mm, err := mech.Lookup(mc.Type)
	if err != nil || mm.Param == mech.NoParam {
		return mc, nil // an unknown mechanism is the engine's to refuse
	}
	mc.Param, err = decodeParam(mm.Param, unsafe.Pointer(p.pParameter), p.ulParameterLen)
	if err != nil {
		mc.Param = mech.BadParam{Err: ck.Errorf(ck.ToRV(err), "%v: %v", mc.Type, err)}
	}
	return mc, nil
}

// decodeParam reads a parameter of kind k from the n bytes at p.
func decodeParam(k mech.ParamKind, p unsafe.Pointer, n C.CK_ULONG) (mech.Param, error) {
	if k == mech.BytesParam {
		v, err := input((*C.CK_BYTE)(p), n)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pParameter is NULL with a length")
		}
		return v, nil
	}
	if (k == mech.EdDSAParam || k == mech.SignContextParam) && n == 0 {
		return nil, nil // pure EdDSA, or ML-DSA and SLH-DSA with their defaults: the parameter is optional
	}
	if p == nil {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "the parameter is missing")
	}
	switch k {
	case mech.EdDSAParam:
		if v, ok := structAt[C.CK_EDDSA_PARAMS](p, n); ok {
			ctx, err := input((*C.CK_BYTE)(v.pContextData), v.ulContextDataLen)
			if err != nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pContextData is NULL with a length")
			}
			return mech.EdDSAParams{Prehash: v.phFlag != 0, Context: ctx}, nil
		}
	case mech.SignContextParam:
		if v, ok := structAt[C.CK_SIGN_ADDITIONAL_CONTEXT](p, n); ok {
			ctx, err := input((*C.CK_BYTE)(v.pContext), v.ulContextLen)
			if err != nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pContext is NULL with a length")
			}
			return mech.SignContext{Hedge: ck.Hedge(v.hedgeVariant), Context: ctx}, nil
		}
	case mech.ULongParam:
		if v, ok := structAt[C.CK_MAC_GENERAL_PARAMS](p, n); ok {
			return uint(*v), nil
		}
	case mech.PSSParam:
		if v, ok := structAt[C.CK_RSA_PKCS_PSS_PARAMS](p, n); ok {
			return mech.PSSParams{Hash: ck.MechanismType(v.hashAlg), MGF: ck.MGF(v.mgf), SaltLen: uint(v.sLen)}, nil
		}
	case mech.OAEPParam:
		if v, ok := structAt[C.CK_RSA_PKCS_OAEP_PARAMS](p, n); ok {
			label, err := input((*C.CK_BYTE)(v.pSourceData), v.ulSourceDataLen)
			if err != nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pSourceData is NULL with a length")
			}
			return mech.OAEPParams{Hash: ck.MechanismType(v.hashAlg), MGF: ck.MGF(v.mgf), Source: uint(v.source), Label: label}, nil
		}
	case mech.ECDH1Param:
		if v, ok := structAt[C.CK_ECDH1_DERIVE_PARAMS](p, n); ok {
			shared, err1 := input(v.pSharedData, v.ulSharedDataLen)
			public, err2 := input(v.pPublicData, v.ulPublicDataLen)
			if err1 != nil || err2 != nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pSharedData or pPublicData is NULL with a length")
			}
			return mech.ECDH1Params{KDF: uint(v.kdf), SharedData: shared, PublicData: public}, nil
		}
	case mech.HKDFParam:
		if v, ok := structAt[C.CK_HKDF_PARAMS](p, n); ok {
			salt, err1 := input(v.pSalt, v.ulSaltLen)
			info, err2 := input(v.pInfo, v.ulInfoLen)
			if err1 != nil || err2 != nil {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pSalt or pInfo is NULL with a length")
			}
			return mech.HKDFParams{
				Extract: v.bExtract != 0, Expand: v.bExpand != 0, PRF: ck.MechanismType(v.prfHashMechanism),
				SaltType: uint(v.ulSaltType), Salt: salt, SaltKey: ck.ObjectHandle(v.hSaltKey), Info: info,
			}, nil
		}
	case mech.GCMParam:
		return gcmParams(p, n)
	case mech.CTRParam:
		if v, ok := structAt[C.CK_AES_CTR_PARAMS](p, n); ok {
			ctr := mech.CTRParams{CounterBits: uint(v.ulCounterBits)}
			for i := range ctr.Block {
				ctr.Block[i] = byte(v.cb[i])
			}
			return ctr, nil
		}
	}
	return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "a parameter of %d bytes is not the mechanism's structure", n)
}

// structAt is the structure T at p if n is its size.
func structAt[T any](p unsafe.Pointer, n C.CK_ULONG) (*T, bool) {
	if uintptr(n) != unsafe.Sizeof(*new(T)) {
		return nil, false
	}
	return (*T)(p), true
}

// gcmParams reads a CK_GCM_PARAMS in either layout: with ulIvBits (2.40
// errata, 3.0) or without it (the first 2.40 headers, which some
// clients still build against); the sizes differ, so n tells them apart.
func gcmParams(p unsafe.Pointer, n C.CK_ULONG) (mech.Param, error) {
	var gp mech.GCMParams
	var iv, aad *C.CK_BYTE
	var ivLen, aadLen C.CK_ULONG
	if v, ok := structAt[C.CK_GCM_PARAMS](p, n); ok {
		iv, ivLen, aad, aadLen = v.pIv, v.ulIvLen, v.pAAD, v.ulAADLen
		gp.IVBits, gp.TagBits = uint(v.ulIvBits), uint(v.ulTagBits)
	} else if v, ok := structAt[C.CK_GCM_PARAMS_NO_IVBITS](p, n); ok {
		iv, ivLen, aad, aadLen = v.pIv, v.ulIvLen, v.pAAD, v.ulAADLen
		gp.TagBits = uint(v.ulTagBits)
	} else {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "a parameter of %d bytes is not a CK_GCM_PARAMS", n)
	}
	var err1, err2 error
	gp.IV, err1 = input(iv, ivLen)
	gp.AAD, err2 = input(aad, aadLen)
	if err1 != nil || err2 != nil {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "pIv or pAAD is NULL with a length")
	}
	return gp, nil
}
