package pki

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

func TestParse(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecSEC1, _ := x509.MarshalECPrivateKey(ec)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ec)
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(rk)
	pkix256, _ := x509.MarshalPKIXPublicKey(&ec384.PublicKey)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Device Cert"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	certDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ec.PublicKey, ec)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	_, ed, _ := ed25519Key()
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	xk, err := x509.MarshalPKCS8PrivateKey(x)
	if err != nil {
		t.Fatal(err)
	}
	ed448Key, x448Key := octetKey(t, object.Ed448Params), octetKey(t, object.X448Params)

	tests := []struct {
		name    string
		data    []byte
		classes []ck.ObjectClass
		wantErr string
	}{
		{"SEC1 PEM", pemOf("EC PRIVATE KEY", ecSEC1), []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#8 DER EC", ecPKCS8, []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#8 PEM RSA", pemOf("PRIVATE KEY", rsaPKCS8), []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#1 PEM RSA", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#1 public", x509.MarshalPKCS1PublicKey(&rk.PublicKey), []ck.ObjectClass{ck.CKO_PUBLIC_KEY}, ""},
		{"PKIX public P-384", pemOf("PUBLIC KEY", pkix256), []ck.ObjectClass{ck.CKO_PUBLIC_KEY}, ""},
		{"certificate chain with key", append(pemOf("CERTIFICATE", certDER), pemOf("EC PRIVATE KEY", ecSEC1)...), []ck.ObjectClass{ck.CKO_CERTIFICATE, ck.CKO_PRIVATE_KEY}, ""},
		{"certificate DER", certDER, []ck.ObjectClass{ck.CKO_CERTIFICATE}, ""},
		{"garbage", []byte("hello"), nil, "not a certificate"},
		{"bad PEM body", pemOf("CERTIFICATE", []byte("nope")), nil, "PEM block"},
		{"PKCS#8 DER Ed25519", ed, []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#8 DER X25519", xk, []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#8 PEM Ed448", pemOf("PRIVATE KEY", mustPKCS8(t, ed448Key)), []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKCS#8 PEM X448", pemOf("PRIVATE KEY", mustPKCS8(t, x448Key)), []ck.ObjectClass{ck.CKO_PRIVATE_KEY}, ""},
		{"PKIX public Ed448", pemOf("PUBLIC KEY", mustSPKI(t, ed448Key.Public())), []ck.ObjectClass{ck.CKO_PUBLIC_KEY}, ""},
		{"PKIX public X448", pemOf("PUBLIC KEY", mustSPKI(t, x448Key.Public())), []ck.ObjectClass{ck.CKO_PUBLIC_KEY}, ""},
		{"PKIX public X25519", pemOf("PUBLIC KEY", mustSPKI(t, x.Public())), []ck.ObjectClass{ck.CKO_PUBLIC_KEY}, ""},
		{"X448 PKCS#8 with parameters", pemOf("PRIVATE KEY", unhex("3048020100300706032b656f0500043a0438"+strings.Repeat("07", 56))), nil, "PEM block"},
	}
	for _, tt := range tests {
		items, err := Parse(tt.data)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(items) != len(tt.classes) {
			t.Fatalf("%s: %d items, %v", tt.name, len(items), err)
		}
		for i, it := range items {
			if it.Kind != tt.classes[i] {
				t.Errorf("%s: item %d is %v", tt.name, i, it.Kind)
			}
			// Every template must make a valid object.
			if _, err := object.New(it.Template, nil, object.Origin{}); err != nil {
				t.Errorf("%s: item %d does not make an object: %v", tt.name, i, err)
			}
		}
	}
}

// ed25519Key returns a new Ed25519 key and its PKCS#8 encoding.
func ed25519Key() (ed25519.PublicKey, []byte, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	return pub, der, err
}
