//go:build cgo

package libcrypto

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
)

// backend returns the backend: the machines this project builds on have
// libcrypto.so.3 (make deps installs openssl, which needs it).
func backend(t *testing.T) *Backend {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Name(), "OpenSSL libcrypto (OpenSSL 3.") {
		t.Errorf("Name() = %q", b.Name())
	}
	return b
}

var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func digest(h crypto.Hash, msg string) []byte {
	d := h.New()
	d.Write([]byte(msg))
	return d.Sum(nil)
}

// TestSignRSA checks every scheme's signature with Go's crypto/rsa.
func TestSignRSA(t *testing.T) {
	b := backend(t)
	key := rsaKey()
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512,
		crypto.SHA3_224, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512} {
		t.Run(h.String()+"/PKCS1", func(t *testing.T) {
			d := digest(h, "message")
			info, _ := mech.DigestInfo(h, d)
			sig, ok := b.SignRSA(key, mech.RSASignature{}, info)
			if !ok {
				t.Fatal("not signed")
			}
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, h, d, sig); err != nil {
				t.Fatal(err)
			}
		})
		for _, salt := range []int{0, 20, h.Size(), key.Size() - h.Size() - 2} {
			t.Run(h.String()+"/PSS", func(t *testing.T) {
				d := digest(h, "message")
				s := mech.RSASignature{PSS: true, Hash: h, SaltLen: salt}
				sig, ok := b.SignRSA(key, s, d)
				if !ok {
					t.Fatalf("salt %d: not signed", salt)
				}
				opts := &rsa.PSSOptions{Hash: h, SaltLength: salt}
				if salt == 0 {
					// Go reads 0 as "any length"; with no salt, the
					// signature is the same every time.
					opts.SaltLength = rsa.PSSSaltLengthAuto
					if again, _ := b.SignRSA(key, s, d); !bytes.Equal(sig, again) {
						t.Error("two PSS signatures without salt differ")
					}
				}
				if err := rsa.VerifyPSS(&key.PublicKey, h, d, sig, opts); err != nil {
					t.Fatalf("salt %d: %v", salt, err)
				}
			})
		}
	}
	t.Run("raw PKCS1", func(t *testing.T) {
		msg := []byte("any input up to the key size less 11 bytes")
		sig, ok := b.SignRSA(key, mech.RSASignature{}, msg)
		if !ok {
			t.Fatal("not signed")
		}
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, 0, msg, sig); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("declined", func(t *testing.T) {
		if _, ok := b.SignRSA(key, mech.RSASignature{PSS: true, Hash: crypto.BLAKE2b_256}, make([]byte, 32)); ok {
			t.Error("a PSS hash without a libcrypto digest was signed")
		}
		if _, ok := b.SignRSA(key, mech.RSASignature{}, nil); ok {
			t.Error("an empty input was signed")
		}
		if _, ok := b.SignRSA(key, mech.RSASignature{}, make([]byte, key.Size())); ok {
			t.Error("an input longer than PKCS#1 padding allows was signed")
		}
	})
}

// TestSignECDSA checks signatures on each curve, with digests shorter and
// longer than the order (both sides truncate them the same way).
func TestSignECDSA(t *testing.T) {
	b := backend(t)
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		key, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 20, 32, 48, 64, 100} {
			d := make([]byte, n)
			rand.Read(d)
			sig, ok := b.SignECDSA(key, d)
			if !ok {
				t.Fatalf("%s, %d-byte digest: not signed", curve.Params().Name, n)
			}
			if !ecdsa.VerifyASN1(&key.PublicKey, d, sig) {
				t.Errorf("%s, %d-byte digest: Go does not verify the signature", curve.Params().Name, n)
			}
		}
	}
}

// TestMechanisms signs through the registry with the backend installed,
// and checks that the backend, not Go, made the signatures.
func TestMechanisms(t *testing.T) {
	b := backend(t)
	mech.UseBackend(b)
	defer mech.UseBackend(nil)
	if mech.BackendName() != b.Name() {
		t.Fatalf("BackendName() = %q", mech.BackendName())
	}
	rk := rsaKey()
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("message")
	sum := digest(crypto.SHA256, "message")
	pss, _ := mech.PSSParamsFor(crypto.SHA256, 32)
	noSalt, _ := mech.PSSParamsFor(crypto.SHA256, 0)
	for _, c := range []struct {
		m      ck.MechanismType
		p      mech.Param
		key    any
		verify func(sig []byte) bool
	}{
		{ck.CKM_SHA256_RSA_PKCS, nil, rk, func(sig []byte) bool { return rsa.VerifyPKCS1v15(&rk.PublicKey, crypto.SHA256, sum, sig) == nil }},
		{ck.CKM_SHA256_RSA_PKCS_PSS, pss, rk, func(sig []byte) bool {
			return rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, sum, sig, &rsa.PSSOptions{SaltLength: 32}) == nil
		}},
		// Go's crypto/rsa cannot make this one: a PSS signature without
		// salt, the same each time.
		{ck.CKM_SHA256_RSA_PKCS_PSS, noSalt, rk, func(sig []byte) bool {
			again, _ := b.SignRSA(rk, mech.RSASignature{PSS: true, Hash: crypto.SHA256}, sum)
			return bytes.Equal(sig, again) && rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, sum, sig, nil) == nil
		}},
		{ck.CKM_ECDSA_SHA256, nil, ek, func(sig []byte) bool {
			return ecdsa.Verify(&ek.PublicKey, sum, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		}},
	} {
		m, err := mech.Lookup(c.m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.NewSigner(c.key, c.p)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatalf("%v: %v", c.m, err)
		}
		if !c.verify(sig) {
			t.Errorf("%v: the signature does not verify", c.m)
		}
	}
	if !cached(&b.rsa, rk) || !cached(&b.ec, ek) {
		t.Error("the mechanisms signed without the backend")
	}
}

func cached[K any](c *cache[K], key *K) bool {
	_, ok := c.keys.Load(weak.Make(key))
	return ok
}

// TestConcurrent signs with one key from many goroutines at once: each
// signature takes a context of its own (run with -race).
func TestConcurrent(t *testing.T) {
	b := backend(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk := rsaKey()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := digest(crypto.SHA256, string(rune(g*100+i)))
				sig, ok := b.SignECDSA(key, d)
				if !ok || !ecdsa.VerifyASN1(&key.PublicKey, d, sig) {
					t.Error("ECDSA signature failed")
					return
				}
				if i%5 == 0 {
					s := mech.RSASignature{PSS: true, Hash: crypto.SHA256, SaltLen: 32}
					sig, ok := b.SignRSA(rk, s, d)
					if !ok || rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, d, sig, &rsa.PSSOptions{SaltLength: 32}) != nil {
						t.Error("RSA signature failed")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestKeysFreed checks that a key's copy in libcrypto goes once the Go key
// is garbage.
func TestKeysFreed(t *testing.T) {
	b := backend(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.SignECDSA(key, make([]byte, 32)); !ok {
		t.Fatal("not signed")
	}
	wp := weak.Make(key)
	key = nil
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		if _, held := b.ec.keys.Load(wp); !held {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the libcrypto copy of an unreachable key was never freed")
}

// FuzzSign throws any input at every scheme: libcrypto signs it or
// declines, and whatever it signs Go's crypto verifies.
func FuzzSign(f *testing.F) {
	f.Add(uint8(0), uint16(0), []byte("a digest of any length"))
	f.Add(uint8(1), uint16(32), make([]byte, 32))
	f.Add(uint8(2), uint16(0), make([]byte, 66))
	b, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	rk := rsaKey()
	hashes := []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.BLAKE2b_256}
	f.Fuzz(func(t *testing.T, scheme uint8, salt uint16, msg []byte) {
		switch scheme % 3 {
		case 0:
			if sig, ok := b.SignECDSA(ek, msg); ok && !ecdsa.VerifyASN1(&ek.PublicKey, msg, sig) {
				t.Fatal("an ECDSA signature Go does not verify")
			}
		case 1:
			if sig, ok := b.SignRSA(rk, mech.RSASignature{}, msg); ok && rsa.VerifyPKCS1v15(&rk.PublicKey, 0, msg, sig) != nil {
				t.Fatal("a PKCS#1 v1.5 signature Go does not verify")
			}
		case 2:
			h := hashes[int(salt)%len(hashes)]
			s := mech.RSASignature{PSS: true, Hash: h, SaltLen: int(salt) % 300}
			sig, ok := b.SignRSA(rk, s, msg)
			if !ok {
				return
			}
			if len(msg) != h.Size() {
				t.Fatalf("a PSS signature of a %d-byte input with a %d-byte hash", len(msg), h.Size())
			}
			opts := &rsa.PSSOptions{Hash: h, SaltLength: s.SaltLen}
			if s.SaltLen == 0 {
				opts.SaltLength = rsa.PSSSaltLengthAuto
			}
			if err := rsa.VerifyPSS(&rk.PublicKey, h, msg, sig, opts); err != nil {
				t.Fatalf("a PSS signature Go does not verify: %v", err)
			}
		}
	})
}
