package interop

import (
	"strings"
	"testing"
)

// TestV32 compiles testdata/v32.c and runs it against the module: the
// PKCS#11 3.2 interface found by C_GetInterface and in the interface
// list, 3.2 functions the module does not implement,
// C_VerifySignatureInit with an RFC 6979 signature in one part and in
// several, ML-KEM-768 key pairs, C_EncapsulateKey and C_DecapsulateKey,
// whose two keys must agree, and ML-DSA-44 signatures C_VerifySignature
// checks.
func TestV32(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/v32.c")
	if !strings.Contains(out, "PASS C_VerifySignature ML-DSA without the context") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
}
