package interop

import (
	"strings"
	"testing"
)

// TestV32 compiles testdata/v32.c and runs it against the module: the
// PKCS#11 3.2 interface found by C_GetInterface and in the interface
// list, 3.2 functions the module does not implement,
// C_VerifySignatureInit with an RFC 6979 signature in one part and in
// several, and ML-KEM-768 key pairs, C_EncapsulateKey and
// C_DecapsulateKey, whose two keys must agree.
func TestV32(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/v32.c")
	if !strings.Contains(out, "PASS C_VerifySignature: another secret disagrees") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
}
