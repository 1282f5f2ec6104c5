package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCABI compiles testdata/abi.c and runs it against the module: NULL
// and bad arguments, size queries, CKR_BUFFER_TOO_SMALL, the four
// C_Initialize cases, function lists and interfaces, 8 threads signing at
// once, 200 forks from a parent with busy signing threads, and the
// allocations of the hot paths against the engine's own.
func TestCABI(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "abi")
	cc := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-I", "../module", "-o", bin, "testdata/abi.c", "-ldl", "-lpthread")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("compiling abi.c: %v\n%s", err, out)
	}
	e := newEnv(t)
	out, err := e.try("", bin, modulePath)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "FAIL") {
			t.Error(line)
		}
	}
	if err != nil {
		t.Fatalf("abi: %v\n%s", err, out)
	}
	if !strings.Contains(out, "PASS 200 forks under load: no child hangs") {
		t.Fatalf("the fork check did not run:\n%s", out)
	}
	checkBoundaryAllocs(t, out)
	log, _ := os.ReadFile(e.log)
	if !strings.Contains(string(log), "C_Initialize in a forked child") {
		t.Error("a forked child's C_Initialize left no reason in the log")
	}
}
