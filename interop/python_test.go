package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

// TestPyKCS11 runs testdata/pykcs11_check.py with Debian's python3 and
// python3-pykcs11: it lists, generates, signs and verifies; Go then checks
// the signature against the public key the script read.
func TestPyKCS11(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "python")
	out := e.run(t, "", "/usr/bin/python3", "testdata/pykcs11_check.py", modulePath, "python", userPIN)
	mustContain(t, "pykcs11_check.py", out, "library: corepkcs11", "token 'python'", "object CKO_PUBLIC_KEY", "object CKO_PRIVATE_KEY", "OK")
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			fields[k] = v
		}
	}
	pointDER, err1 := hex.DecodeString(fields["point"])
	sig, err2 := hex.DecodeString(fields["signature"])
	var point []byte
	if _, err := asn1.Unmarshal(pointDER, &point); err != nil || err1 != nil || err2 != nil || len(sig) != 64 {
		t.Fatalf("script output: %v %v %v\n%s", err, err1, err2, out)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("signed from python"))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("PyKCS11's signature does not verify with Go's crypto")
	}
}
