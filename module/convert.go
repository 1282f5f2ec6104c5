package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// maxView bounds the bytes a caller's pointer and length may describe.
// Longer is garbage, beyond any address space, and unsafe.Slice would
// panic on it.
const maxView = 1 << 40

// view is the caller's array of n elements at p, without copying; the
// view must not outlive the call. A NULL pointer with a non-zero length,
// and a length no memory can hold, are CKR_ARGUMENTS_BAD.
func view[T any](p *T, n C.CK_ULONG) ([]T, error) {
	if uint64(n) > maxView/uint64(unsafe.Sizeof(*p)) || (p == nil && n != 0) {
		return nil, ck.CKR_ARGUMENTS_BAD
	}
	if p == nil {
		return nil, nil
	}
	return unsafe.Slice(p, int(n)), nil
}

// input views a caller's buffer, as view does.
func input(p *C.CK_BYTE, n C.CK_ULONG) ([]byte, error) {
	return view((*byte)(unsafe.Pointer(p)), n)
}

// output views a caller's output buffer of *pLen bytes: nil when p is
// NULL, which asks for the length only. pLen must not be NULL.
func output(p *C.CK_BYTE, pLen *C.CK_ULONG) ([]byte, error) {
	if pLen == nil {
		return nil, ck.CKR_ARGUMENTS_BAD
	}
	if p == nil {
		return nil, nil
	}
	return input(p, *pLen)
}

// template converts a CK_ATTRIBUTE array; the values are views into the
// caller's memory, which the engine copies before the call returns. The
// value of an attribute-array attribute (CKA_WRAP_TEMPLATE) is itself a
// CK_ATTRIBUTE array, converted one level deep into the engine's
// encoding; one the engine cannot accept becomes an empty value, which
// it refuses with CKR_ATTRIBUTE_VALUE_INVALID.
func template(p *C.CK_ATTRIBUTE, n C.CK_ULONG) (object.Template, error) {
	return convertTemplate(p, n, true)
}

func convertTemplate(p *C.CK_ATTRIBUTE, n C.CK_ULONG, arrays bool) (object.Template, error) {
	attrs, err := view(p, n)
	if err != nil || len(attrs) == 0 {
		return nil, err
	}
	t := make(object.Template, n)
	for i := range attrs {
		typ := ck.AttributeType(attrs[i]._type)
		if kind, _ := object.KindOf(typ); arrays && kind == object.KindAttributes {
			v, err := attributeArray(unsafe.Pointer(attrs[i].pValue), attrs[i].ulValueLen)
			if err != nil {
				return nil, err
			}
			t[i] = object.Attribute{Type: typ, Value: v}
			continue
		}
		v, err := input((*C.CK_BYTE)(attrs[i].pValue), attrs[i].ulValueLen)
		if err != nil {
			return nil, err
		}
		t[i] = object.Attribute{Type: typ, Value: v}
	}
	return t, nil
}

// attributeArray encodes the CK_ATTRIBUTE array of n bytes at p.
func attributeArray(p unsafe.Pointer, n C.CK_ULONG) ([]byte, error) {
	size := C.CK_ULONG(unsafe.Sizeof(C.CK_ATTRIBUTE{}))
	if n%size != 0 {
		return []byte{}, nil
	}
	nested, err := convertTemplate((*C.CK_ATTRIBUTE)(p), n/size, false)
	if err != nil {
		return nil, err
	}
	v, err := object.EncodeTemplate(nested)
	if err != nil {
		return []byte{}, nil
	}
	return v, nil
}

// pad fills a fixed-size CK_UTF8CHAR field: blank-padded, not NUL-terminated.
func pad[T ~uint8](dst []T, s string) {
	for i := range dst {
		if i < len(s) {
			dst[i] = T(s[i])
		} else {
			dst[i] = ' '
		}
	}
}

func version(v ck.Version) C.CK_VERSION {
	return C.CK_VERSION{major: C.CK_BYTE(v.Major), minor: C.CK_BYTE(v.Minor)}
}

// putList answers a C_GetSlotList-style request: the count only for a
// NULL list, CKR_BUFFER_TOO_SMALL (with the count) when *pulCount is too small.
func putList[T ~uint](p *C.CK_ULONG, pulCount *C.CK_ULONG, items []T) error {
	if pulCount == nil {
		return ck.CKR_ARGUMENTS_BAD
	}
	n := C.CK_ULONG(len(items))
	if p == nil {
		*pulCount = n
		return nil
	}
	if *pulCount < n {
		*pulCount = n
		return ck.CKR_BUFFER_TOO_SMALL
	}
	out := unsafe.Slice(p, len(items))
	for i, v := range items {
		out[i] = C.CK_ULONG(v)
	}
	*pulCount = n
	return nil
}

// finishOutput stores the produced length after an output call: n is the
// needed length for a length query or CKR_BUFFER_TOO_SMALL, and the
// written length otherwise.
func finishOutput(pLen *C.CK_ULONG, n int, err error) error {
	rv := ck.ToRV(err)
	if err == nil || rv == ck.CKR_BUFFER_TOO_SMALL {
		*pLen = C.CK_ULONG(n)
	}
	return err
}
