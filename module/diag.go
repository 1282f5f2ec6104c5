package main

/*
#include "pkcs11.h"
*/
import "C"

import "runtime/metrics"

// corepkcs11_heap_allocs is a diagnostic export, not a PKCS#11 function:
// the number of heap objects the module's Go runtime has allocated so
// far. Tests and benchmarks read it around a run of calls to measure what
// each call costs in allocations.
//
//export corepkcs11_heap_allocs
func corepkcs11_heap_allocs() C.ulonglong {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(sample)
	return C.ulonglong(sample[0].Value.Uint64())
}
