package qualify

/*
#cgo CFLAGS: -I${SRCDIR}/../module
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include "pkcs11.h"

// The suite reaches past github.com/miekg/pkcs11 for the calls it cannot
// make: NULL arguments, explicit buffer sizes. dlopen of a library that is
// already loaded returns the same instance, so these calls act on the same
// module state as the rest of the suite.
static CK_FUNCTION_LIST_PTR qualify_list(const char *path, CK_RV *rv)
{
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		*rv = CKR_GENERAL_ERROR;
		return NULL;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	if (!get) {
		*rv = CKR_GENERAL_ERROR;
		return NULL;
	}
	CK_FUNCTION_LIST_PTR list = NULL;
	*rv = get(NULL);
	if (*rv == CKR_OK) {
		*rv = CKR_GENERAL_ERROR; // C_GetFunctionList(NULL) must fail
		return NULL;
	}
	if (get(&list) != CKR_OK)
		list = NULL;
	return list;
}

static int qualify_null_entries(CK_FUNCTION_LIST_PTR l)
{
	void **e = (void **)&l->C_Initialize;
	int n = 0;
	for (int i = 0; i < 68; i++)
		n += e[i] == NULL;
	return n;
}

static CK_RV qualify_finalize_reserved(CK_FUNCTION_LIST_PTR l)
{
	static int reserved;
	return l->C_Finalize(&reserved);
}

static CK_RV qualify_slot_list(CK_FUNCTION_LIST_PTR l, int null_count, CK_SLOT_ID *list, CK_ULONG *count)
{
	return l->C_GetSlotList(CK_TRUE, list, null_count ? NULL : count);
}

static CK_RV qualify_sign(CK_FUNCTION_LIST_PTR l, CK_SESSION_HANDLE s, CK_BYTE *data, CK_ULONG n, CK_BYTE *out, CK_ULONG *outLen)
{
	return l->C_Sign(s, data, n, out, outLen);
}

// qualify_init_garbage calls C_DigestInit (op 0), C_SignInit (1) or
// C_VerifyInit (2) as FreeRTOS's tests do: with a CK_MECHANISM on the
// stack whose only initialized field is .mechanism. The filler stands for
// whatever the stack held; a module that reads through pParameter faults.
static CK_RV qualify_init_garbage(CK_FUNCTION_LIST_PTR l, int op, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m;
	memset(&m, 0xA5, sizeof m);
	m.mechanism = type;
	switch (op) {
	case 0:
		return l->C_DigestInit(s, &m);
	case 1:
		return l->C_SignInit(s, &m, key);
	}
	return l->C_VerifyInit(s, &m, key);
}

static CK_RV qualify_digest(CK_FUNCTION_LIST_PTR l, int final, CK_SESSION_HANDLE s, CK_BYTE *data, CK_ULONG n, CK_BYTE *out, CK_ULONG *outLen)
{
	if (final)
		return l->C_DigestFinal(s, out, outLen);
	return l->C_Digest(s, data, n, out, outLen);
}

static CK_RV qualify_get_attribute(CK_FUNCTION_LIST_PTR l, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *a)
{
	return l->C_GetAttributeValue(s, o, a, 1);
}

static CK_RV qualify_open_session_null(CK_FUNCTION_LIST_PTR l, CK_SLOT_ID slot)
{
	return l->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// rawModule is the module's own CK_FUNCTION_LIST, for calls with
// arguments the miekg binding never passes.
type rawModule struct{ list C.CK_FUNCTION_LIST_PTR }

// loadRaw checks C_GetFunctionList (NULL must be refused) and returns the list.
func loadRaw(path string) (rawModule, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var rv C.CK_RV
	list := C.qualify_list(cpath, &rv)
	if list == nil {
		if rv == C.CKR_GENERAL_ERROR {
			return rawModule{}, fmt.Errorf("C_GetFunctionList(NULL) did not return CKR_ARGUMENTS_BAD, or the list is missing")
		}
		return rawModule{}, fmt.Errorf("C_GetFunctionList failed")
	}
	if rv != C.CKR_ARGUMENTS_BAD {
		return rawModule{}, fmt.Errorf("C_GetFunctionList(NULL) returned %#x, want CKR_ARGUMENTS_BAD", uint(rv))
	}
	return rawModule{list}, nil
}

func (r rawModule) version() (major, minor byte) {
	return byte(r.list.version.major), byte(r.list.version.minor)
}

func (r rawModule) nullEntries() int { return int(C.qualify_null_entries(r.list)) }

func (r rawModule) finalizeReserved() uint { return uint(C.qualify_finalize_reserved(r.list)) }

func (r rawModule) openSessionNullHandle(slot uint) uint {
	return uint(C.qualify_open_session_null(r.list, C.CK_SLOT_ID(slot)))
}

// slotList calls C_GetSlotList(CK_TRUE, …) with room for size slots
// (size < 0: a NULL list) or with a NULL count pointer.
func (r rawModule) slotList(size int, nullCount bool) (rv uint, count uint) {
	var buf [64]C.CK_SLOT_ID
	var list *C.CK_SLOT_ID
	if size >= 0 {
		list = &buf[0]
	}
	n := C.CK_ULONG(max(size, 0))
	nc := C.int(0)
	if nullCount {
		nc = 1
	}
	rv = uint(C.qualify_slot_list(r.list, nc, list, &n))
	return rv, uint(n)
}

// sign calls C_Sign with an output buffer of size bytes (size < 0: NULL).
func (r rawModule) sign(session uint, data []byte, size int) (rv uint, n uint, sig []byte) {
	cdata := C.CBytes(data)
	defer C.free(cdata)
	out, outLen := outBuffer(size)
	defer C.free(out)
	rv = uint(C.qualify_sign(r.list, C.CK_SESSION_HANDLE(session), (*C.CK_BYTE)(cdata), C.CK_ULONG(len(data)), (*C.CK_BYTE)(out), &outLen))
	if out != nil && rv == C.CKR_OK {
		sig = C.GoBytes(out, C.int(outLen))
	}
	return rv, uint(outLen), sig
}

// outBuffer allocates an output buffer of size bytes in C memory, or
// none (NULL) for size < 0, and the length to pass with it; C.free(nil)
// is a no-op, so the caller frees it either way.
func outBuffer(size int) (unsafe.Pointer, C.CK_ULONG) {
	if size < 0 {
		return nil, 0
	}
	return C.malloc(C.size_t(max(size, 1))), C.CK_ULONG(size)
}

// Operations for initGarbage.
const (
	opDigest = iota
	opSign
	opVerify
)

// initGarbage starts an operation with a mechanism whose parameter fields
// are uninitialized, as FreeRTOS's qualification tests pass it.
func (r rawModule) initGarbage(op int, session uint, mech uint, key uint) uint {
	return uint(C.qualify_init_garbage(r.list, C.int(op), C.CK_SESSION_HANDLE(session), C.CK_MECHANISM_TYPE(mech), C.CK_OBJECT_HANDLE(key)))
}

// digest calls C_Digest (or C_DigestFinal when final) with an output
// buffer of size bytes (size < 0: NULL) and, with nullLen, a NULL length
// pointer.
func (r rawModule) digest(session uint, final bool, data []byte, size int, nullLen bool) (rv uint, n uint) {
	cdata := C.CBytes(data)
	defer C.free(cdata)
	out, outLen := outBuffer(size)
	defer C.free(out)
	pLen := &outLen
	if nullLen {
		pLen = nil
	}
	f := C.int(0)
	if final {
		f = 1
	}
	rv = uint(C.qualify_digest(r.list, f, C.CK_SESSION_HANDLE(session), (*C.CK_BYTE)(cdata), C.CK_ULONG(len(data)), (*C.CK_BYTE)(out), pLen))
	return rv, uint(outLen)
}

// attribute calls C_GetAttributeValue for one attribute with a value
// buffer of size bytes (size < 0: NULL, a length query).
func (r rawModule) attribute(session, object uint, typ uint, size int) (rv uint, n uint) {
	var a C.CK_ATTRIBUTE
	a._type = C.CK_ATTRIBUTE_TYPE(typ)
	if size >= 0 {
		a.pValue = C.CK_VOID_PTR(C.malloc(C.size_t(max(size, 1))))
		defer C.free(unsafe.Pointer(a.pValue))
	}
	a.ulValueLen = C.CK_ULONG(max(size, 0))
	rv = uint(C.qualify_get_attribute(r.list, C.CK_SESSION_HANDLE(session), C.CK_OBJECT_HANDLE(object), &a))
	return rv, uint(a.ulValueLen)
}
