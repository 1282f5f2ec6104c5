package interop

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// signAllocsOverGo is how many heap allocations C_SignInit + C_Sign of
// an EC P-256 key with CKM_ECDSA may add to what Go's own
// ecdsa.SignASN1 allocates for the same signature (issue 17's target).
const signAllocsOverGo = 5

// TestCABIAllocs measures the heap allocations per call of the hot paths
// through the C ABI (testdata/abi.c with its allocs argument, which reads
// the module's diagnostic counter corepkcs11_heap_allocs) and in the
// engine and of Go's ecdsa.SignASN1 (testdata/allocs, a program built
// without the race detector, as the module is), with the module signing
// on Go's crypto and on libcrypto: the C boundary must add nothing to
// what the engine allocates for the same calls, and C_SignInit + C_Sign,
// through the C ABI and in the engine, may allocate at most
// signAllocsOverGo more objects than Go's ecdsa.SignASN1.
func TestCABIAllocs(t *testing.T) {
	engine, goSign := engineAllocs(t)
	t.Logf("Go's ecdsa.SignASN1 (P-256): %.2f allocations per call", goSign)
	// On Go's crypto the module signs as the engine does, so every call
	// compares; on libcrypto the signature allocates fewer Go objects
	// than the engine's, and only the bound over Go's applies to it.
	for _, backend := range []string{"go", "auto"} {
		e := newEnv(t)
		e.extra = []string{"COREPKCS11_CRYPTO=" + backend}
		out := runChecks(t, e, "testdata/abi.c", "allocs")
		seen := 0
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "ALLOCS" {
				continue
			}
			seen++
			viaC, err := strconv.ParseFloat(f[2], 64)
			want, ok := engine[f[1]]
			if err != nil || !ok {
				t.Errorf("unexpected line %q", line)
				continue
			}
			sign := f[1] == "C_SignInit+C_Sign"
			t.Logf("COREPKCS11_CRYPTO=%s: %s: %.2f allocations per call through the C ABI, %.2f in the engine", backend, f[1], viaC, want)
			// Runtime background work may add a few objects over a run;
			// anything the boundary allocated would add at least one per call.
			if (backend == "go" || !sign) && viaC > want+0.5 {
				t.Errorf("COREPKCS11_CRYPTO=%s: %s allocates %.2f objects per call through the C ABI, the engine alone %.2f", backend, f[1], viaC, want)
			}
			if sign && viaC > goSign+signAllocsOverGo {
				t.Errorf("COREPKCS11_CRYPTO=%s: C_SignInit + C_Sign (EC P-256, CKM_ECDSA) allocates %.2f objects per call through the C ABI: more than Go's own ecdsa.SignASN1 (%.2f) + %d",
					backend, viaC, goSign, signAllocsOverGo)
			}
		}
		if seen != len(engine) {
			t.Errorf("the C ABI test measured %d calls, want %d:\n%s", seen, len(engine), out)
		}
	}
	if sign := engine["C_SignInit+C_Sign"]; sign > goSign+signAllocsOverGo {
		t.Errorf("C_SignInit + C_Sign (EC P-256, CKM_ECDSA) allocates %.2f objects per call in the engine: more than Go's own ecdsa.SignASN1 (%.2f) + %d",
			sign, goSign, signAllocsOverGo)
	}
}

// engineAllocs builds and runs testdata/allocs: the engine's allocations
// per call by call name, and Go's ecdsa.SignASN1's.
func engineAllocs(t *testing.T) (engine map[string]float64, goSign float64) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "allocs")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/allocs").CombinedOutput(); err != nil {
		t.Fatalf("building testdata/allocs: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("testdata/allocs: %v\n%s", err, out)
	}
	engine, goSign = map[string]float64{}, -1
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		var v float64
		if len(f) == 3 {
			v, err = strconv.ParseFloat(f[2], 64)
		}
		switch {
		case len(f) != 3 || err != nil:
			t.Fatalf("testdata/allocs: unexpected line %q", line)
		case f[0] == "ENGINE":
			engine[f[1]] = v
		case f[0] == "GO" && f[1] == "ecdsa.SignASN1":
			goSign = v
		}
	}
	if goSign < 0 {
		t.Fatalf("testdata/allocs measured no ecdsa.SignASN1:\n%s", out)
	}
	return engine, goSign
}
