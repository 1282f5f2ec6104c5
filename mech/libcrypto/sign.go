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

// maxIdle is how many contexts a key keeps for each configuration: one
// per thread signing with it at once, on the machines this runs on.
const maxIdle = 8

// pkey is a Go key imported into libcrypto, with the signing contexts
// made for it. Making and initializing an EVP_PKEY_CTX costs about a
// fifth of an ECDSA P-256 signature, so contexts are kept and reused, each
// by one signature at a time.
type pkey struct {
	k    *C.EVP_PKEY // nil when libcrypto refused the key: Go signs
	mu   sync.Mutex
	idle map[ctxConfig][]*C.EVP_PKEY_CTX
}

func (p *pkey) sign(cfg ctxConfig, max int, tbs []byte) ([]byte, bool) {
	if p.k == nil || len(tbs) == 0 {
		return nil, false
	}
	c := p.take(cfg)
	if c == nil {
		return nil, false
	}
	sig := make([]byte, max)
	n := C.size_t(len(sig))
	ok := C.cpk_sign(c, (*C.uchar)(&sig[0]), &n, (*C.uchar)(&tbs[0]), C.size_t(len(tbs))) == 1
	p.give(cfg, c)
	if !ok || int(n) > max {
		return nil, false
	}
	return sig[:n], true
}

// take returns an idle context for cfg, or a new one.
func (p *pkey) take(cfg ctxConfig) *C.EVP_PKEY_CTX {
	p.mu.Lock()
	if cs := p.idle[cfg]; len(cs) > 0 {
		c := cs[len(cs)-1]
		p.idle[cfg] = cs[:len(cs)-1]
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	return C.cpk_sign_ctx(p.k, cfg.padding, cfg.md, cfg.salt)
}

// give keeps c for the next signature with cfg, or frees it.
func (p *pkey) give(cfg ctxConfig, c *C.EVP_PKEY_CTX) {
	p.mu.Lock()
	if cs := p.idle[cfg]; len(cs) < maxIdle {
		p.idle[cfg] = append(cs, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	C.cpk_free_ctx(c)
}

// free releases the key and its contexts; nothing signs with them any more.
func (p *pkey) free() {
	for _, cs := range p.idle {
		for _, c := range cs {
			C.cpk_free_ctx(c)
		}
	}
	if p.k != nil {
		C.cpk_free_pkey(p.k)
	}
}

// cache holds the libcrypto copy of each Go key of type K that has
// signed, for as long as the Go key lives: the engine keeps one parsed
// key per object, so each object's key is imported once.
type cache[K any] struct {
	mu   sync.RWMutex
	keys map[weak.Pointer[K]]*pkey
}

// get returns key's copy, importing it on first use.
func (c *cache[K]) get(key *K) *pkey {
	wp := weak.Make(key)
	c.mu.RLock()
	p := c.keys[wp]
	c.mu.RUnlock()
	if p != nil {
		return p
	}
	p = &pkey{k: importKey(key), idle: map[ctxConfig][]*C.EVP_PKEY_CTX{}}
	c.mu.Lock()
	if q := c.keys[wp]; q != nil {
		c.mu.Unlock()
		p.free()
		return q
	}
	if c.keys == nil {
		c.keys = map[weak.Pointer[K]]*pkey{}
	}
	c.keys[wp] = p
	c.mu.Unlock()
	runtime.AddCleanup(key, c.drop, wp)
	return p
}

// drop frees the copy of a key the garbage collector found unreachable.
func (c *cache[K]) drop(wp weak.Pointer[K]) {
	c.mu.Lock()
	p := c.keys[wp]
	delete(c.keys, wp)
	c.mu.Unlock()
	if p != nil {
		p.free()
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
