//go:build cgo

package libcrypto

/*
#include "openssl.h"
*/
import "C"

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"runtime"
	"sync"
	"weak"

	"github.com/corepkcs11/corepkcs11/mech"
)

// OpenSSL's RSA padding modes (openssl/rsa.h).
const (
	rsaPKCS1Padding    = 1
	rsaPKCS1PSSPadding = 6
)

// SignRSA signs msg as s says with key's copy in libcrypto; ok is false
// for a hash it has no digest for, or a key or input libcrypto refuses.
func (b *Backend) SignRSA(key *rsa.PrivateKey, s mech.RSASignature, msg []byte) ([]byte, bool) {
	cfg := ctxConfig{padding: rsaPKCS1Padding}
	if s.PSS {
		md := b.md[s.Hash]
		if md == nil {
			return nil, false
		}
		cfg = ctxConfig{padding: rsaPKCS1PSSPadding, md: md, salt: C.int(s.SaltLen)}
	}
	sig, ok := b.rsa.get(key).sign(cfg, key.Size(), msg)
	// The key's cleanup frees its EVP_PKEY: the key must outlive the call.
	runtime.KeepAlive(key)
	if !ok || len(sig) != key.Size() {
		return nil, false
	}
	return sig, true
}

// SignECDSA signs digest with key's copy in libcrypto and returns the DER
// signature; ok is false for a key or input libcrypto refuses.
func (b *Backend) SignECDSA(key *ecdsa.PrivateKey, digest []byte) ([]byte, bool) {
	// A DER ECDSA-Sig-Value: a SEQUENCE of two INTEGERs of at most the
	// order's size plus a sign byte, each header at most 3 bytes.
	n := (key.Curve.Params().N.BitLen() + 7) / 8
	sig, ok := b.ec.get(key).sign(ctxConfig{}, 2*(n+1+3)+3, digest)
	runtime.KeepAlive(key)
	return sig, ok
}

// ctxConfig is what a signing context is set up for: the RSA padding (0
// for ECDSA), and for PSS the digest and salt length.
type ctxConfig struct {
	padding C.int
	md      *C.EVP_MD
	salt    C.int
}

// pkey is a Go key imported into libcrypto, with the signing contexts
// made for it. Making and initializing an EVP_PKEY_CTX costs about a
// fifth of an ECDSA P-256 signature, so contexts are kept and reused, each
// by one signature at a time, in a sync.Pool per configuration: threads
// signing with one key at once take and give them back without a lock
// they would contend for.
type pkey struct {
	k     *C.EVP_PKEY // nil when libcrypto refused the key: Go signs
	pools sync.Map    // ctxConfig to *sync.Pool of *signCtx
}

// signCtx holds a signing context. The pool drops idle ones at garbage
// collections, and the cleanup then frees the context; it holds its own
// reference to the key, so it may outlive the pkey.
type signCtx struct{ c *C.EVP_PKEY_CTX }

func (p *pkey) sign(cfg ctxConfig, max int, tbs []byte) ([]byte, bool) {
	if p.k == nil || len(tbs) == 0 {
		return nil, false
	}
	pool := p.pool(cfg)
	sc, _ := pool.Get().(*signCtx)
	if sc == nil {
		c := C.cpk_sign_ctx(p.k, cfg.padding, cfg.md, cfg.salt)
		if c == nil {
			return nil, false
		}
		sc = &signCtx{c: c}
		runtime.AddCleanup(sc, func(c *C.EVP_PKEY_CTX) { C.cpk_free_ctx(c) }, c)
	}
	sig := make([]byte, max)
	n := C.size_t(len(sig))
	ok := C.cpk_sign(sc.c, (*C.uchar)(&sig[0]), &n, (*C.uchar)(&tbs[0]), C.size_t(len(tbs))) == 1
	pool.Put(sc)
	if !ok || int(n) > max {
		return nil, false
	}
	return sig[:n], true
}

// pool returns the pool of contexts for cfg.
func (p *pkey) pool(cfg ctxConfig) *sync.Pool {
	if v, ok := p.pools.Load(cfg); ok {
		return v.(*sync.Pool)
	}
	v, _ := p.pools.LoadOrStore(cfg, &sync.Pool{})
	return v.(*sync.Pool)
}

// free releases the key; contexts still pooled keep their own reference
// and are freed by their cleanups.
func (p *pkey) free() {
	if p.k != nil {
		C.cpk_free_pkey(p.k)
	}
}

// cache holds the libcrypto copy of each Go key of type K that has
// signed, for as long as the Go key lives: the engine keeps one parsed
// key per object, so each object's key is imported once. Lookups take no
// lock, so that threads signing at once do not contend for one.
type cache[K any] struct {
	keys sync.Map // weak.Pointer[K] to *pkey
}

// get returns key's copy, importing it on first use.
func (c *cache[K]) get(key *K) *pkey {
	wp := weak.Make(key)
	if v, ok := c.keys.Load(wp); ok {
		return v.(*pkey)
	}
	p := &pkey{k: importKey(key)}
	if v, loaded := c.keys.LoadOrStore(wp, p); loaded {
		p.free()
		return v.(*pkey)
	}
	runtime.AddCleanup(key, c.drop, wp)
	return p
}

// drop frees the copy of a key the garbage collector found unreachable.
func (c *cache[K]) drop(wp weak.Pointer[K]) {
	if v, ok := c.keys.LoadAndDelete(wp); ok {
		v.(*pkey).free()
	}
}

// importKey gives libcrypto a copy of key through its PKCS#8 encoding,
// which is wiped once read; nil if either side refuses it.
func importKey(key any) *C.EVP_PKEY {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil || len(der) == 0 {
		return nil
	}
	defer clear(der)
	return C.cpk_import((*C.uchar)(&der[0]), C.long(len(der)))
}
