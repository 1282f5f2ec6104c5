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
// without the race detector, as the module is): the C boundary must add
// nothing to what the engine allocates for the same calls, and
// C_SignInit + C_Sign, through the C ABI and in the engine, may allocate
// at most signAllocsOverGo more objects than Go's ecdsa.SignASN1. Fewer
// than the engine is fine: a module whose private keys sign in another
// crypto backend allocates fewer Go objects.
func TestCABIAllocs(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/abi.c", "allocs")
	engine, goSign := engineAllocs(t)
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
		t.Logf("%s: %.2f allocations per call through the C ABI, %.2f in the engine", f[1], viaC, want)
		// Runtime background work may add a few objects over a run;
		// anything the boundary allocated would add at least one per call.
		if viaC > want+0.5 {
			t.Errorf("%s allocates %.2f objects per call through the C ABI, the engine alone %.2f", f[1], viaC, want)
		}
		if f[1] != "C_SignInit+C_Sign" {
			continue
		}
		t.Logf("Go's ecdsa.SignASN1 (P-256): %.2f allocations per call", goSign)
		for _, c := range []struct {
			where string
			n     float64
		}{{"through the C ABI", viaC}, {"in the engine", want}} {
			if c.n > goSign+signAllocsOverGo {
				t.Errorf("C_SignInit + C_Sign (EC P-256, CKM_ECDSA) allocates %.2f objects per call %s: more than Go's own ecdsa.SignASN1 (%.2f) + %d",
					c.n, c.where, goSign, signAllocsOverGo)
			}
		}
	}
	if seen != len(engine) {
		t.Errorf("the C ABI test measured %d calls, want %d:\n%s", seen, len(engine), out)
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
