package interop

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha3"
	"encoding/asn1"
	"encoding/hex"
	"hash"
	"math/big"
	"strings"
	"testing"
)

// TestSHA3CABI runs testdata/sha3.c and checks what the SHA-3 mechanisms
// computed through the C ABI with Go's crypto: the digests of "abc",
// ECDSA, RSA PKCS#1 v1.5 and PSS signatures over SHA-3, and
// HMAC-SHA3-256 in full and truncated.
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
	msg := []byte("abc")
	for name, h := range map[string]crypto.Hash{"sha3-224": crypto.SHA3_224, "sha3-256": crypto.SHA3_256, "sha3-384": crypto.SHA3_384, "sha3-512": crypto.SHA3_512} {
		d := h.New()
		d.Write(msg)
		if want := d.Sum(nil); !bytes.Equal(v[name], want) {
			t.Errorf("%s: %x, want %x", name, v[name], want)
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
	for name, h := range map[string]crypto.Hash{"ecdsa-sha3-256": crypto.SHA3_256, "ecdsa-sha3-512": crypto.SHA3_512} {
		sig := v[name]
		d := h.New()
		d.Write(msg)
		if len(sig) != 64 || !ecdsa.Verify(ecPub, d.Sum(nil), new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Errorf("%s: crypto/ecdsa does not verify %x", name, sig)
		}
	}

	rsaPub := &rsa.PublicKey{N: new(big.Int).SetBytes(v["rsa-modulus"]), E: 65537}
	sum384, sum256 := sha3.Sum384(msg), sha3.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA3_384, sum384[:], v["sha3-384-rsa-pkcs"]); err != nil {
		t.Errorf("CKM_SHA3_384_RSA_PKCS: %v", err)
	}
	if err := rsa.VerifyPSS(rsaPub, crypto.SHA3_256, sum256[:], v["sha3-256-rsa-pss"], &rsa.PSSOptions{SaltLength: 32}); err != nil {
		t.Errorf("CKM_SHA3_256_RSA_PKCS_PSS: %v", err)
	}

	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	mac := hmac.New(func() hash.Hash { return sha3.New256() }, key)
	mac.Write(msg)
	want := mac.Sum(nil)
	if !bytes.Equal(v["hmac-sha3-256"], want) {
		t.Errorf("CKM_SHA3_256_HMAC: %x, want %x", v["hmac-sha3-256"], want)
	}
	if !bytes.Equal(v["hmac-sha3-256-general"], want[:16]) {
		t.Errorf("CKM_SHA3_256_HMAC_GENERAL of 16 bytes: %x, want %x", v["hmac-sha3-256-general"], want[:16])
	}
	if len(v["oaep-sha3-256"]) != 256 {
		t.Errorf("CKM_RSA_PKCS_OAEP: a ciphertext of %d bytes", len(v["oaep-sha3-256"]))
	}
}
