package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/corepkcs11/corepkcs11/object"
)

// FuzzParse feeds Parse what a provisioning file could hold. Whatever it
// accepts must make objects the token accepts or refuses with a PKCS#11
// error, never a panic.
func FuzzParse(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	f.Add(pub)
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := Parse(data)
		if err != nil {
			return
		}
		for _, it := range items {
			object.New(it.Template, nil, object.Origin{})
		}
	})
}

// FuzzECDSASignature converts DER signatures to r||s and back, as the
// module does for TLS stacks: never a panic, and a raw result converts
// back to a DER signature of the same r and s.
func FuzzECDSASignature(f *testing.F) {
	f.Add(unhex("3006020101020102"), P256Size)
	f.Add(unhex("3045"+"0221"+"00ff"+repeat("11", 31)+"0220"+"01"+repeat("22", 31)), P256Size)
	f.Fuzz(func(t *testing.T, der []byte, size int) {
		if size < 0 || size > 1024 {
			return
		}
		raw, err := ECDSASignatureToRaw(der, size)
		if err != nil {
			return
		}
		back, err := ECDSASignatureToDER(raw)
		if err != nil {
			t.Fatalf("r||s from a DER signature does not convert back: %v", err)
		}
		again, err := ECDSASignatureToRaw(back, size)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("round trip changed the signature: %x, %v", again, err)
		}
	})
}
