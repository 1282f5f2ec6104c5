package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCABI compiles testdata/abi.c and runs it against the module: NULL
// and bad arguments, size queries, CKR_BUFFER_TOO_SMALL, the four
// C_Initialize cases, function lists and interfaces, 8 threads signing at
// once and 200 forks from a parent with busy signing threads.
func TestCABI(t *testing.T) {
	e := newEnv(t)
	out := runChecks(t, e, "testdata/abi.c")
	if !strings.Contains(out, "PASS 200 forks under load: no child hangs") {
		t.Fatalf("the fork check did not run:\n%s", out)
	}
	log, _ := os.ReadFile(e.log)
	if !strings.Contains(string(log), "C_Initialize in a forked child") {
		t.Error("a forked child's C_Initialize left no reason in the log")
	}
}

// TestOperationLifeCycle compiles testdata/lifecycle.c and runs it
// against the module: mechanisms whose parameter fields are uninitialized,
// re-initialization after a length query, errors and mixed single- and
// multi-part calls ending operations, single-part mechanisms refusing
// updates, CKM_RSA_X_509, and public objects used without a login.
func TestOperationLifeCycle(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/lifecycle.c")
	if !strings.Contains(out, "PASS C_Sign with a public session key") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
}

// runChecks compiles a C check program from testdata, runs it against
// the module in env e, reports each of its FAIL lines as an error and
// returns its output.
func runChecks(t *testing.T, e env, src string, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), ".c"))
	cc := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-I", "../module", "-o", bin, src, "-ldl", "-lpthread")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("compiling %s: %v\n%s", src, err, out)
	}
	out, err := e.try("", bin, append([]string{modulePath}, args...)...)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "FAIL") {
			t.Error(line)
		}
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	return out
}

// TestCABIRandomCalls throws random mechanisms, parameters, buffers and
// lengths at the operation functions (testdata/fuzzabi.c): every call must
// answer with a CK_RV of the specification, none with
// CKR_GENERAL_ERROR (a recovered panic), and nothing may crash. `make
// soak` runs it with many more calls.
func TestCABIRandomCalls(t *testing.T) {
	iterations := "20000"
	if os.Getenv("COREPKCS11_SOAK") != "" {
		iterations = "2000000"
	}
	seed := strconv.FormatInt(time.Now().UnixNano()%1_000_000, 10)
	t.Logf("seed %s", seed)
	out := runChecks(t, newEnv(t), "testdata/fuzzabi.c", seed, iterations)
	// The calls must get past the parameter checks often enough to reach
	// the operations themselves.
	if n, _ := strconv.Atoi(field(out, "started")); n < 1000 {
		t.Fatalf("only %d operations started:\n%s", n, out)
	}
	t.Logf("%s derivations made a key", field(out, "derived"))
}

// TestSecretKeys compiles testdata/secret.c and runs it against the
// module: C_GenerateKey of AES and generic secret keys, their attributes,
// and the template errors.
func TestSecretKeys(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/secret.c")
	if !strings.Contains(out, "PASS a session key in a read-only session") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
}

// TestCiphers compiles testdata/cipher.c and runs it against the module:
// every encryption mechanism against published vectors (SP 800-38A, the
// GCM specification, FIPS 81, RFC 4493, RFC 3394, RFC 5649) and in round
// trips single-part, in place and in parts; the error paths and which
// errors end an operation; C_WrapKey and C_UnwrapKey with their refusals;
// the dual-function updates; C_DigestKey.
func TestCiphers(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/cipher.c")
	if !strings.Contains(out, "PASS the checks ran to the end") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
}
