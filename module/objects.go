package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

// attrNames lists a C template's attribute types for the trace log;
// values are never logged.
func attrNames(p *C.CK_ATTRIBUTE, n C.CK_ULONG) []string {
	attrs, err := view(p, n)
	if err != nil {
		return nil
	}
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = ck.AttributeType(a._type).String()
	}
	return names
}

//export cpkCreateObject
func cpkCreateObject(hSession C.CK_SESSION_HANDLE, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG, phObject *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_CreateObject", &result)
	if tracing {
		defer trace("C_CreateObject", time.Now(), &result, "session", hSession, "template", attrNames(pTemplate, ulCount))
	}
	tmpl, err := template(pTemplate, ulCount)
	if err != nil || phObject == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	h, err := engine.CreateObject(ck.SessionHandle(hSession), tmpl)
	if err != nil {
		return rv("C_CreateObject", err)
	}
	*phObject = C.CK_OBJECT_HANDLE(h)
	return C.CKR_OK
}

//export cpkCopyObject
func cpkCopyObject(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG, phNewObject *C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_CopyObject", &result)
	if tracing {
		defer trace("C_CopyObject", time.Now(), &result, "session", hSession, "object", hObject, "template", attrNames(pTemplate, ulCount))
	}
	tmpl, err := template(pTemplate, ulCount)
	if err != nil || phNewObject == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	h, err := engine.CopyObject(ck.SessionHandle(hSession), ck.ObjectHandle(hObject), tmpl)
	if err != nil {
		return rv("C_CopyObject", err)
	}
	*phNewObject = C.CK_OBJECT_HANDLE(h)
	return C.CKR_OK
}

//export cpkDestroyObject
func cpkDestroyObject(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_DestroyObject", &result)
	if tracing {
		defer trace("C_DestroyObject", time.Now(), &result, "session", hSession, "object", hObject)
	}
	return rv("C_DestroyObject", engine.DestroyObject(ck.SessionHandle(hSession), ck.ObjectHandle(hObject)))
}

//export cpkGetObjectSize
func cpkGetObjectSize(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pulSize *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_GetObjectSize", &result)
	if tracing {
		defer trace("C_GetObjectSize", time.Now(), &result, "session", hSession, "object", hObject)
	}
	if pulSize == nil {
		return C.CKR_ARGUMENTS_BAD
	}
	n, err := engine.GetObjectSize(ck.SessionHandle(hSession), ck.ObjectHandle(hObject))
	if err != nil {
		return rv("C_GetObjectSize", err)
	}
	*pulSize = C.CK_ULONG(n)
	return C.CKR_OK
}

//export cpkGetAttributeValue
func cpkGetAttributeValue(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_GetAttributeValue", &result)
	if tracing {
		defer trace("C_GetAttributeValue", time.Now(), &result, "session", hSession, "object", hObject, "template", attrNames(pTemplate, ulCount))
	}
	attrs, err := view(pTemplate, ulCount)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	q := make([]token.AttributeQuery, len(attrs))
	for i, a := range attrs {
		q[i].Type = ck.AttributeType(a._type)
		if kind, _ := object.KindOf(q[i].Type); kind == object.KindAttributes {
			continue // asked for its length here, written by putArray
		}
		if a.pValue != nil {
			if q[i].Value, err = input((*C.CK_BYTE)(a.pValue), a.ulValueLen); err != nil {
				return C.CKR_ARGUMENTS_BAD
			}
		}
	}
	h, oh := ck.SessionHandle(hSession), ck.ObjectHandle(hObject)
	err = engine.GetAttributeValue(h, oh, q)
	switch ck.ToRV(err) {
	case ck.CKR_OK, ck.CKR_ATTRIBUTE_SENSITIVE, ck.CKR_ATTRIBUTE_TYPE_INVALID, ck.CKR_BUFFER_TOO_SMALL:
		for i := range attrs {
			if kind, _ := object.KindOf(q[i].Type); kind == object.KindAttributes && q[i].Len != ck.CK_UNAVAILABLE_INFORMATION {
				if aerr := putArray(h, oh, &attrs[i]); aerr != nil && err == nil {
					err = aerr
				}
				continue
			}
			attrs[i].ulValueLen = C.CK_ULONG(q[i].Len)
		}
	}
	return rv("C_GetAttributeValue", err)
}

// putArray answers the query a of an attribute-array attribute, as the
// spec's C_GetAttributeValue does: the array's size in bytes for a NULL
// pValue, and otherwise each element's type and value, or length, in
// turn, with CKR_BUFFER_TOO_SMALL (and CK_UNAVAILABLE_INFORMATION) for
// a buffer too short for the array or an element.
func putArray(h ck.SessionHandle, oh ck.ObjectHandle, a *C.CK_ATTRIBUTE) error {
	got, err := engine.GetAttributes(h, oh, ck.AttributeType(a._type))
	if err != nil {
		return err
	}
	nested, err := object.DecodeTemplate(got[0].Value)
	if err != nil {
		return ck.Wrap(ck.CKR_GENERAL_ERROR, err)
	}
	size := C.CK_ULONG(len(nested)) * C.CK_ULONG(unsafe.Sizeof(C.CK_ATTRIBUTE{}))
	if a.pValue == nil {
		a.ulValueLen = size
		return nil
	}
	if a.ulValueLen < size {
		a.ulValueLen = C.CK_ULONG(ck.CK_UNAVAILABLE_INFORMATION)
		return ck.CKR_BUFFER_TOO_SMALL
	}
	a.ulValueLen = size
	out := unsafe.Slice((*C.CK_ATTRIBUTE)(a.pValue), len(nested))
	var first error
	for i, n := range nested {
		out[i]._type = C.CK_ATTRIBUTE_TYPE(n.Type)
		switch {
		case out[i].pValue == nil:
			out[i].ulValueLen = C.CK_ULONG(len(n.Value))
		case out[i].ulValueLen < C.CK_ULONG(len(n.Value)):
			out[i].ulValueLen = C.CK_ULONG(ck.CK_UNAVAILABLE_INFORMATION)
			if first == nil {
				first = ck.CKR_BUFFER_TOO_SMALL
			}
		default:
			copy(unsafe.Slice((*byte)(out[i].pValue), len(n.Value)), n.Value)
			out[i].ulValueLen = C.CK_ULONG(len(n.Value))
		}
	}
	return first
}

//export cpkSetAttributeValue
func cpkSetAttributeValue(hSession C.CK_SESSION_HANDLE, hObject C.CK_OBJECT_HANDLE, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_SetAttributeValue", &result)
	if tracing {
		defer trace("C_SetAttributeValue", time.Now(), &result, "session", hSession, "object", hObject, "template", attrNames(pTemplate, ulCount))
	}
	tmpl, err := template(pTemplate, ulCount)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_SetAttributeValue", engine.SetAttributeValue(ck.SessionHandle(hSession), ck.ObjectHandle(hObject), tmpl))
}

//export cpkFindObjectsInit
func cpkFindObjectsInit(hSession C.CK_SESSION_HANDLE, pTemplate *C.CK_ATTRIBUTE, ulCount C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_FindObjectsInit", &result)
	if tracing {
		defer trace("C_FindObjectsInit", time.Now(), &result, "session", hSession, "template", attrNames(pTemplate, ulCount))
	}
	tmpl, err := template(pTemplate, ulCount)
	if err != nil {
		return C.CKR_ARGUMENTS_BAD
	}
	return rv("C_FindObjectsInit", engine.FindObjectsInit(ck.SessionHandle(hSession), tmpl))
}

//export cpkFindObjects
func cpkFindObjects(hSession C.CK_SESSION_HANDLE, phObject *C.CK_OBJECT_HANDLE, ulMaxObjectCount C.CK_ULONG, pulObjectCount *C.CK_ULONG) (result C.CK_RV) {
	defer recoverPanic("C_FindObjects", &result)
	if tracing {
		defer trace("C_FindObjects", time.Now(), &result, "session", hSession, "max", ulMaxObjectCount)
	}
	if pulObjectCount == nil || (phObject == nil && ulMaxObjectCount > 0) {
		return C.CKR_ARGUMENTS_BAD
	}
	found, err := engine.FindObjects(ck.SessionHandle(hSession), int(min(ulMaxObjectCount, 1<<30)))
	if err != nil {
		return rv("C_FindObjects", err)
	}
	out := unsafe.Slice(phObject, len(found))
	for i, h := range found {
		out[i] = C.CK_OBJECT_HANDLE(h)
	}
	*pulObjectCount = C.CK_ULONG(len(found))
	return C.CKR_OK
}

//export cpkFindObjectsFinal
func cpkFindObjectsFinal(hSession C.CK_SESSION_HANDLE) (result C.CK_RV) {
	defer recoverPanic("C_FindObjectsFinal", &result)
	if tracing {
		defer trace("C_FindObjectsFinal", time.Now(), &result, "session", hSession)
	}
	return rv("C_FindObjectsFinal", engine.FindObjectsFinal(ck.SessionHandle(hSession)))
}
