package interop

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	_ "crypto/sha1" // register the hashes the HMACs run on
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
)

// TestSHA3CABI runs testdata/sha3.c and checks with Go's crypto what the
// SHA-3 mechanisms and the HMAC key generations computed through the C
// ABI: the digests of "abc", ECDSA, RSA PKCS#1 v1.5 and PSS signatures
// over each SHA-3, the HMAC of each generated key, and a truncated
// HMAC-SHA3-256.
func TestSHA3CABI(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/sha3.c")
	v := map[string][]byte{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VALUE" {
			b, err := hex.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			v[f[1]] = b
		}
	}
	var point []byte
	if _, err := asn1.Unmarshal(v["ec-point"], &point); err != nil {
		t.Fatalf("CKA_EC_POINT: %v", err)
	}
	ecPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		t.Fatalf("CKA_EC_POINT %x: %v", point, err)
	}
	rsaPub := &rsa.PublicKey{N: new(big.Int).SetBytes(v["rsa-modulus"]), E: 65537}
	msg := []byte("abc")
	sum := func(h crypto.Hash) []byte {
		d := h.New()
		d.Write(msg)
		return d.Sum(nil)
	}
	checkHMAC := func(name string, h crypto.Hash) {
		key := v["hmac-key-"+name]
		if len(key) != 32 {
			t.Errorf("%s: the generated HMAC key has %d bytes", name, len(key))
		}
		mac := hmac.New(h.New, key)
		mac.Write(msg)
		if want := mac.Sum(nil); !bytes.Equal(v["hmac-"+name], want) {
			t.Errorf("HMAC-%s: %x, want %x", name, v["hmac-"+name], want)
		}
	}
	for name, h := range map[string]crypto.Hash{"sha3-224": crypto.SHA3_224, "sha3-256": crypto.SHA3_256, "sha3-384": crypto.SHA3_384, "sha3-512": crypto.SHA3_512} {
		digest := sum(h)
		if !bytes.Equal(v["digest-"+name], digest) {
			t.Errorf("%s: %x, want %x", name, v["digest-"+name], digest)
		}
		if sig := v["ecdsa-"+name]; len(sig) != 64 || !ecdsa.Verify(ecPub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Errorf("ECDSA over %s: crypto/ecdsa does not verify %x", name, sig)
		}
		if err := rsa.VerifyPKCS1v15(rsaPub, h, digest, v["rsa-pkcs-"+name]); err != nil {
			t.Errorf("RSA PKCS#1 v1.5 over %s: %v", name, err)
		}
		if err := rsa.VerifyPSS(rsaPub, h, digest, v["rsa-pss-"+name], &rsa.PSSOptions{SaltLength: h.Size()}); err != nil {
			t.Errorf("RSA-PSS over %s: %v", name, err)
		}
		checkHMAC(name, h)
	}
	for name, h := range map[string]crypto.Hash{"sha1": crypto.SHA1, "sha224": crypto.SHA224, "sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512} {
		checkHMAC(name, h)
	}

	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	mac := hmac.New(crypto.SHA3_256.New, key)
	mac.Write(msg)
	if want := mac.Sum(nil)[:16]; !bytes.Equal(v["hmac-sha3-256-general"], want) {
		t.Errorf("CKM_SHA3_256_HMAC_GENERAL of 16 bytes: %x, want %x", v["hmac-sha3-256-general"], want)
	}
}
