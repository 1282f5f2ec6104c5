package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../module
#cgo LDFLAGS: -ldl -lpthread
#include <stdlib.h>
#include "bench_cloop.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/corepkcs11/corepkcs11/ck"
)

// cHost measures a module's cheap, frequent calls from C, as the hosts
// people use (pkcs11-tool, OpenSSL, p11-kit) call them: through Go's
// miekg/pkcs11 each call costs the host about half a microsecond of cgo
// and copying, which would be most of what C_GenerateRandom or a SHA-256
// of 64 bytes costs a module, and Go's scheduler takes the P of a
// goroutine that stays in a call longer than 20 µs, which held two
// signing threads to 1.1-1.3 times one. The loops run in threads of their
// own, each in a session it opens, on handles the bench made through
// package client in the same process.
type cHost struct {
	f    C.CK_FUNCTION_LIST_PTR
	slot ck.SlotID
}

// newCHost finds the function list of the module at path, which this
// process has loaded and initialized.
func newCHost(path string, slot ck.SlotID) (*cHost, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	f := C.loop_functions(cpath)
	if f == nil {
		return nil, fmt.Errorf("%s: no function list for the C loops", path)
	}
	return &cHost{f: f, slot: slot}, nil
}

// The kinds of loop (bench_cloop.h).
const (
	loopSign    = int(C.LOOP_SIGN)
	loopVerify  = int(C.LOOP_VERIFY)
	loopEncrypt = int(C.LOOP_ENCRYPT)
	loopDigest  = int(C.LOOP_DIGEST)
	loopRandom  = int(C.LOOP_RANDOM)
	loopFind    = int(C.LOOP_FIND)
)

// cJob is one row's operation, as bench_cloop.h's loop_job describes it.
type cJob struct {
	kind    int
	mech    ck.MechanismType
	key     ck.ObjectHandle
	in, sig []byte
	outLen  int
	objects int
}

// rate runs j in threads threads as the clock says and returns the
// operations per second of the best slice.
func (h *cHost) rate(c benchClock, j cJob, threads int) (float64, error) {
	cj := (*C.loop_job)(C.calloc(1, C.sizeof_loop_job))
	defer C.free(unsafe.Pointer(cj))
	cj.f, cj.slot, cj.kind = h.f, C.CK_SLOT_ID(h.slot), C.int(j.kind)
	cj.mech, cj.key = C.CK_MECHANISM_TYPE(j.mech), C.CK_OBJECT_HANDLE(j.key)
	cj.outLen, cj.objects = C.CK_ULONG(j.outLen), C.CK_ULONG(j.objects)
	if len(j.in) > 0 {
		cj.in, cj.inLen = (*C.CK_BYTE)(C.CBytes(j.in)), C.CK_ULONG(len(j.in))
		defer C.free(unsafe.Pointer(cj.in))
	}
	if len(j.sig) > 0 {
		cj.sig, cj.sigLen = (*C.CK_BYTE)(C.CBytes(j.sig)), C.CK_ULONG(len(j.sig))
		defer C.free(unsafe.Pointer(cj.sig))
	}
	slices, length := c.slices()
	quick := 0
	if c.quick {
		quick = benchQuickCount
	}
	r := C.loop_run(cj, C.int(threads), C.int(slices), C.double(length.Seconds()), C.long(quick))
	switch {
	case r.rv == C.CKR_FOUND_WRONG:
		return 0, errors.New("a label did not find exactly one object")
	case r.rv != C.CKR_OK:
		return 0, ck.Errorf(ck.RV(r.rv), "%s", C.GoString(r.fn))
	case r.count == 0:
		return 0, errors.New("no operation finished in a timed slice")
	}
	return float64(r.count) / float64(r.secs), nil
}
