// Command allocs measures, in a process of its own built without the race
// detector (whose sync.Pool drops objects at random), the heap
// allocations per call of the engine's hot paths, the calls testdata/abi.c
// measures through the C ABI, and of Go's own ecdsa.SignASN1 on P-256.
// It prints "ENGINE name allocations" and "GO ecdsa.SignASN1 allocations"
// lines for TestCABIAllocs.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

const runs = 2000

// allocsPerCall is testing.AllocsPerRun's measure (runtime.MemStats
// Mallocs, at GOMAXPROCS 1, after one warm-up call) without its rounding
// down to a whole number: it is the counter corepkcs11_heap_allocs reads
// in the module, and the figures compare to a fraction of an allocation.
func allocsPerCall(f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / runs
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "allocs:", err)
		os.Exit(1)
	}
}

func main() {
	dir, err := os.MkdirTemp("", "corepkcs11-allocs-")
	must(err)
	defer os.RemoveAll(dir)
	engine(dir)
	goSign()
}

// engine measures the engine's hot paths on a token with an EC P-256 key.
func engine(dir string) {
	const soPIN, userPIN = "allocs-so-pin", "allocs-user-pin"
	p256OID := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	m := token.New(token.Config{Location: dir, KDF: token.KDF{Time: 1, MemoryKiB: 64, Threads: 1}})
	must(m.Initialize())
	defer m.Finalize()
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
	sha, ecdsaMech := token.Mechanism{Type: ck.CKM_SHA256}, token.Mechanism{Type: ck.CKM_ECDSA}
	for _, c := range []struct {
		name string
		call func()
	}{
		{"C_GenerateRandom", func() { must(m.GenerateRandom(s, out[:32])) }},
		{"C_DigestInit+C_Digest", func() {
			must(m.DigestInit(s, sha))
			_, err := m.Digest(s, data, out)
			must(err)
		}},
		{"C_SignInit+C_Sign", func() {
			must(m.SignInit(s, ecdsaMech, priv))
			_, err := m.Sign(s, data[:32], sig)
			must(err)
		}},
		{"C_VerifyInit+C_Verify", func() {
			must(m.VerifyInit(s, ecdsaMech, pub))
			must(m.Verify(s, data[:32], sig))
		}},
	} {
		fmt.Printf("ENGINE %s %.3f\n", c.name, allocsPerCall(c.call))
	}
}

// goSign measures what Go's own crypto allocates for one EC P-256
// signature of a 32-byte digest: the floor of a signer built on it.
func goSign() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	digest := make([]byte, 32)
	fmt.Printf("GO ecdsa.SignASN1 %.3f\n", allocsPerCall(func() {
		_, err := ecdsa.SignASN1(rand.Reader, key, digest)
		must(err)
	}))
}
