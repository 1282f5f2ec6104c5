package interop

import (
	"strconv"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

// engineAllocs measures, in this process, what the engine itself
// allocates per call for the hot paths the C ABI test measures through
// the module: the C boundary must add nothing to it.
func engineAllocs(t *testing.T) map[string]float64 {
	t.Helper()
	m := token.New(token.Config{Location: t.TempDir(), KDF: token.KDF{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer m.Finalize()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.InitToken(0, []byte(soPIN), "allocs"))
	s, err := m.OpenSession(0, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	must(err)
	must(m.Login(s, ck.CKU_SO, []byte(soPIN)))
	must(m.InitPIN(s, []byte(userPIN)))
	must(m.Logout(s))
	must(m.Login(s, ck.CKU_USER, []byte(userPIN)))
	pub, priv, err := m.GenerateKeyPair(s, token.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		object.Template{object.Bytes(ck.CKA_EC_PARAMS, p256OID)}, object.Template{object.Bool(ck.CKA_SIGN, true)})
	must(err)
	data, out, sig := make([]byte, 64), make([]byte, 64), make([]byte, 64)
	sha, ecdsa := token.Mechanism{Type: ck.CKM_SHA256}, token.Mechanism{Type: ck.CKM_ECDSA}
	m.SignInit(s, ecdsa, priv)
	m.Sign(s, data[:32], sig)
	return map[string]float64{
		"C_GenerateRandom": testing.AllocsPerRun(2000, func() { must(m.GenerateRandom(s, out[:32])) }),
		"C_DigestInit+C_Digest": testing.AllocsPerRun(2000, func() {
			must(m.DigestInit(s, sha))
			_, err := m.Digest(s, data, out)
			must(err)
		}),
		"C_SignInit+C_Sign": testing.AllocsPerRun(2000, func() {
			must(m.SignInit(s, ecdsa, priv))
			_, err := m.Sign(s, data[:32], sig)
			must(err)
		}),
		"C_VerifyInit+C_Verify": testing.AllocsPerRun(2000, func() {
			must(m.VerifyInit(s, ecdsa, pub))
			must(m.Verify(s, data[:32], sig))
		}),
	}
}

// checkBoundaryAllocs compares the "ALLOCS name value" lines of the C ABI
// test with the engine's own allocations for the same calls.
func checkBoundaryAllocs(t *testing.T, abiOutput string) {
	engine := engineAllocs(t)
	seen := 0
	for _, line := range strings.Split(abiOutput, "\n") {
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
	}
	if seen != len(engine) {
		t.Errorf("the C ABI test measured %d calls, want %d", seen, len(engine))
	}
}
