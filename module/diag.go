package main

/*
#include "pkcs11.h"
*/
import "C"

import "runtime"

// corepkcs11_heap_allocs is a diagnostic export, not a PKCS#11 function:
// the number of heap objects the module's Go runtime has allocated so
// far. Tests and benchmarks read it around a run of calls to measure what
// each call costs in allocations. It is runtime.MemStats.Mallocs, the
// count testing.AllocsPerRun reads, exact at the moment of the call (it
// stops the module's goroutines for a moment): runtime/metrics'
// /gc/heap/allocs:objects leaves out tiny objects and counts the others
// a span at a time, so over a short run it is off by a few per call.
//
//export corepkcs11_heap_allocs
func corepkcs11_heap_allocs() C.ulonglong {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return C.ulonglong(m.Mallocs)
}
