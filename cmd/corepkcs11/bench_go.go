package main

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
)

// benchGo measures Go's crypto called directly, with no PKCS#11 in
// between: the ceiling of what corepkcs11's Go backend can reach. Keys,
// ciphers and MACs are set up once, outside the timing.
func benchGo(sp benchSpec, col *benchColumn) {
	clock := sp.clock()
	col.Library = "Go's standard library, " + goVersion()
	col.Backend = "Go crypto called directly (crypto/ecdsa, crypto/rsa, crypto/aes, crypto/hmac, crypto/sha256, crypto/rand)"
	col.Token = "none: keys in memory, set up once"
	rec := col.recorder(sp)

	digest := sha256.Sum256([]byte("corepkcs11 bench"))
	rec("ecGen", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			_, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			return err
		})
	})
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		col.Err = err.Error()
		return
	}
	ecSign := func() error {
		_, err := ecdsa.SignASN1(rand.Reader, ec, digest[:])
		return err
	}
	rec("ecSign", func() (float64, error) { return clock.rate(benchQuickCount, ecSign) })
	ecSig, err := ecdsa.SignASN1(rand.Reader, ec, digest[:])
	if err != nil {
		col.Err = err.Error()
		return
	}
	rec("ecVerify", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			if !ecdsa.VerifyASN1(&ec.PublicKey, digest[:], ecSig) {
				return fmt.Errorf("an ECDSA signature does not verify")
			}
			return nil
		})
	})

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		col.Err = err.Error()
		return
	}
	// CKM_SHA256_RSA_PKCS hashes the message, then signs.
	rsaSign := func() error {
		h := sha256.Sum256(digest[:])
		_, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, h[:])
		return err
	}
	rec("rsaSign", func() (float64, error) { return clock.rate(benchQuickCount, rsaSign) })
	h := sha256.Sum256(digest[:])
	rsaSig, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, h[:])
	if err != nil {
		col.Err = err.Error()
		return
	}
	rec("rsaVerify", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			h := sha256.Sum256(digest[:])
			return rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, h[:], rsaSig)
		})
	})

	aesKey := make([]byte, 32)
	rand.Read(aesKey)
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		col.Err = err.Error()
		return
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		col.Err = err.Error()
		return
	}
	// One IV counter for both rows: they encrypt under the same key.
	var iv benchIV
	for _, c := range []struct {
		id   string
		size int
	}{{"gcm1K", 1 << 10}, {"gcm1M", 1 << 20}} {
		msg := make([]byte, c.size)
		out := make([]byte, 0, c.size+gcm.Overhead())
		rec(c.id, func() (float64, error) {
			return clock.rate(benchQuickCount, func() error {
				gcm.Seal(out[:0], iv.next(), msg, nil)
				return nil
			})
		})
	}

	mac := hmac.New(sha256.New, aesKey)
	kib := make([]byte, 1<<10)
	rec("hmac1K", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			mac.Reset()
			mac.Write(kib)
			mac.Sum(nil)
			return nil
		})
	})
	for _, c := range []struct {
		id   string
		size int
	}{{"sha64", 64}, {"sha1M", 1 << 20}} {
		msg := make([]byte, c.size)
		rec(c.id, func() (float64, error) {
			return clock.rate(benchQuickCount, func() error {
				sha256.Sum256(msg)
				return nil
			})
		})
	}
	rnd := make([]byte, 32)
	rec("rand32", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			_, err := rand.Read(rnd)
			return err
		})
	})

	for _, c := range []struct {
		id   string
		sign func() error
	}{{"ecSign", ecSign}, {"rsaSign", rsaSign}} {
		measures := make([]func(benchClock) (float64, error), len(sp.Threads))
		for k, n := range sp.Threads {
			ops := make([]func() error, n)
			for i := range n {
				ops[i] = c.sign
			}
			measures[k] = func(slice benchClock) (float64, error) { return slice.rateThreads(benchQuickCount, ops) }
		}
		recThreads(rec, c.id, sp.Threads, clock, measures)
	}
}

// recThreads measures the threads rows of one operation in turn (see
// benchClock.inTurn) and records them.
func recThreads(rec func(string, func() (float64, error)), id string, threads []int, clock benchClock, measures []func(benchClock) (float64, error)) {
	var best []float64
	var errs []error
	for k, n := range threads {
		rec(threadsID(id, n), func() (float64, error) {
			if best == nil {
				best, errs = clock.inTurn(measures)
			}
			return best[k], errs[k]
		})
	}
}

// benchIV makes a new 12-byte GCM IV for each call: a counter.
type benchIV struct {
	n  uint64
	iv [12]byte
}

func (b *benchIV) next() []byte {
	b.n++
	for i := range 8 {
		b.iv[4+i] = byte(b.n >> (8 * (7 - i)))
	}
	return b.iv[:]
}
