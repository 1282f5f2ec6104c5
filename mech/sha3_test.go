package mech

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// TestSHA3Mechanisms signs with every SHA-3 variant and checks each
// signature with Go's crypto, and an HMAC against Python's hashlib.
func TestSHA3Mechanisms(t *testing.T) {
	keys()
	msg := []byte("The quick brown fox jumps over the lazy dog")
	sign := func(m ck.MechanismType, key any, p Param) []byte {
		t.Helper()
		mm, err := Lookup(m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := mm.NewSigner(key, p)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		return sig
	}
	for _, c := range []struct {
		h                 crypto.Hash
		ecdsa, pkcs1, pss ck.MechanismType
		digest            ck.MechanismType
		mgf               ck.MGF
	}{
		{crypto.SHA3_224, ck.CKM_ECDSA_SHA3_224, ck.CKM_SHA3_224_RSA_PKCS, ck.CKM_SHA3_224_RSA_PKCS_PSS, ck.CKM_SHA3_224, ck.CKG_MGF1_SHA3_224},
		{crypto.SHA3_256, ck.CKM_ECDSA_SHA3_256, ck.CKM_SHA3_256_RSA_PKCS, ck.CKM_SHA3_256_RSA_PKCS_PSS, ck.CKM_SHA3_256, ck.CKG_MGF1_SHA3_256},
		{crypto.SHA3_384, ck.CKM_ECDSA_SHA3_384, ck.CKM_SHA3_384_RSA_PKCS, ck.CKM_SHA3_384_RSA_PKCS_PSS, ck.CKM_SHA3_384, ck.CKG_MGF1_SHA3_384},
		{crypto.SHA3_512, ck.CKM_ECDSA_SHA3_512, ck.CKM_SHA3_512_RSA_PKCS, ck.CKM_SHA3_512_RSA_PKCS_PSS, ck.CKM_SHA3_512, ck.CKG_MGF1_SHA3_512},
	} {
		d := c.h.New()
		d.Write(msg)
		sum := d.Sum(nil)
		sig := sign(c.ecdsa, ecKey, nil)
		if !ecdsa.Verify(&ecKey.PublicKey, sum, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Errorf("%v: the signature does not verify", c.ecdsa)
		}
		if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, c.h, sum, sign(c.pkcs1, rsaKey, nil)); err != nil {
			t.Errorf("%v: %v", c.pkcs1, err)
		}
		salt := c.h.Size()
		sig = sign(c.pss, rsaKey, pssParam(c.digest, c.mgf, uint(salt)))
		if err := rsa.VerifyPSS(&rsaKey.PublicKey, c.h, sum, sig, &rsa.PSSOptions{SaltLength: salt}); err != nil {
			t.Errorf("%v: %v", c.pss, err)
		}
		// The PSS parameters must name the SHA-3 hash and its MGF1.
		mm, _ := Lookup(c.pss)
		if _, err := mm.NewSigner(rsaKey, pssParam(c.digest, ck.CKG_MGF1_SHA256, uint(salt))); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%v with MGF1-SHA256: %v", c.pss, err)
		}
	}
	// HMAC-SHA3-256 of key "key", from Python's hashlib and hmac.
	mac := sign(ck.CKM_SHA3_256_HMAC, []byte("key"), nil)
	if got, want := hex.EncodeToString(mac), "8c6e0683409427f8931711b10ca92a506eb1fafa48fadd66d76126f47ac2c333"; got != want {
		t.Errorf("HMAC-SHA3-256 = %s, want %s", got, want)
	}
}

// TestHMACKeyGeneration makes each hash's HMAC key type with its key
// generation, which the hash's HMACs take and another hash's refuse.
func TestHMACKeyGeneration(t *testing.T) {
	for _, c := range []struct {
		gen, mac, other ck.MechanismType
		kt              ck.KeyType
	}{
		{ck.CKM_SHA256_KEY_GEN, ck.CKM_SHA256_HMAC, ck.CKM_SHA3_256_HMAC, ck.CKK_SHA256_HMAC},
		{ck.CKM_SHA3_256_KEY_GEN, ck.CKM_SHA3_256_HMAC, ck.CKM_SHA256_HMAC, ck.CKK_SHA3_256_HMAC},
		{ck.CKM_SHA3_512_KEY_GEN, ck.CKM_SHA3_512_HMAC_GENERAL, ck.CKM_SHA512_HMAC, ck.CKK_SHA3_512_HMAC},
	} {
		g, err := Lookup(c.gen)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := object.Template{object.ULong(ck.CKA_VALUE_LEN, 32), object.Bool(ck.CKA_SIGN, true)}
		material, err := g.GenerateKey(nil, tmpl)
		if err != nil {
			t.Fatalf("%v: %v", c.gen, err)
		}
		obj, err := object.New(tmpl, material, object.Origin{Generated: true, Mechanism: c.gen})
		if err != nil {
			t.Fatalf("%v: %v", c.gen, err)
		}
		if obj.KeyType() != c.kt || len(obj.Key().([]byte)) != 32 {
			t.Errorf("%v made a %v key of %d bytes", c.gen, obj.KeyType(), len(obj.Key().([]byte)))
		}
		mac, _ := Lookup(c.mac)
		other, _ := Lookup(c.other)
		if !mac.Accepts(c.kt) || other.Accepts(c.kt) {
			t.Errorf("%v keys: %v accepts %v, %v accepts %v", c.kt, c.mac, mac.Accepts(c.kt), c.other, other.Accepts(c.kt))
		}
	}
}
