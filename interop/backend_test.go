package interop

import (
	"os"
	"strings"
	"testing"
)

// TestGoCryptoFallback runs the C ABI checks, the operation life cycle
// and the qualification suite on a module told to sign on Go's crypto
// (COREPKCS11_CRYPTO=go), which is what runs where libcrypto.so.3 is
// missing, and checks from the module's log which backend each run chose.
func TestGoCryptoFallback(t *testing.T) {
	for _, c := range []struct{ value, backend string }{{"go", "Go crypto"}, {"auto", "OpenSSL libcrypto"}} {
		e := newEnv(t)
		e.extra = []string{"COREPKCS11_CRYPTO=" + c.value, "COREPKCS11_LOG=info"}
		runChecks(t, e, "testdata/lifecycle.c")
		log, _ := os.ReadFile(e.log)
		named := false
		for _, line := range strings.Split(string(log), "\n") {
			named = named || strings.Contains(line, `msg="signing backend"`) && strings.Contains(line, `backend="`+c.backend)
		}
		if !named {
			t.Errorf("COREPKCS11_CRYPTO=%s: the log does not name %s as the signing backend:\n%s", c.value, c.backend, log)
		}
	}
	e := newEnv(t)
	e.extra = []string{"COREPKCS11_CRYPTO=go"}
	out := runChecks(t, e, "testdata/abi.c")
	if !strings.Contains(out, "PASS 200 forks under load") {
		t.Fatalf("the fork check did not run:\n%s", out)
	}
	q := newEnv(t)
	q.initToken(t, "qualify")
	t.Setenv("COREPKCS11_STORE", q.store)
	t.Setenv("COREPKCS11_CRYPTO", "go")
	if failed, out := runQualify(t, modulePath); len(failed) != 0 {
		t.Fatalf("on Go's crypto, failed: %v\n%s", failed, out)
	}
}

// TestCryptoSettingRefused: a COREPKCS11_CRYPTO the module does not know
// fails C_Initialize with CKR_ARGUMENTS_BAD and says why in its log.
func TestCryptoSettingRefused(t *testing.T) {
	e := newEnv(t)
	e.extra = []string{"COREPKCS11_CRYPTO=openssl"}
	out, err := e.try("", cliBinary(t), "tokens", "--module", modulePath)
	if err == nil || !strings.Contains(out, "CKR_ARGUMENTS_BAD") {
		t.Fatalf("corepkcs11 tokens with COREPKCS11_CRYPTO=openssl: %v\n%s", err, out)
	}
}
