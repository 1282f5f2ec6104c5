package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// privateKey is what OctetCurve.NewPrivateKey returns of every curve.
type privateKey interface {
	Public() crypto.PublicKey
}

// octetKey makes a random private key of the curve params names.
func octetKey(t *testing.T, params []byte) privateKey {
	t.Helper()
	c, ok := object.OctetCurveByParams(params)
	if !ok {
		t.Fatalf("%x names no curve", params)
	}
	value := make([]byte, c.PrivateSize)
	rand.Read(value)
	priv, _, err := c.NewPrivateKey(value)
	if err != nil {
		t.Fatal(err)
	}
	return priv.(privateKey)
}

func mustPKCS8(t *testing.T, key crypto.PrivateKey) []byte {
	t.Helper()
	der, err := MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustSPKI(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := object.MarshalPublicKeyInfo(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestOctetPKCS8 round-trips keys of every RFC 8410 curve through
// PKCS#8 and SubjectPublicKeyInfo, and compares the encodings with Go's
// x509 where it has them (Ed25519, X25519).
func TestOctetPKCS8(t *testing.T) {
	for _, c := range object.OctetCurves {
		priv := octetKey(t, c.Params)
		der := mustPKCS8(t, priv)
		back, err := ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		_, want, _ := object.OctetPrivateKey(priv)
		if got, v, _ := object.OctetPrivateKey(back); got != c || !bytes.Equal(v, want) {
			t.Errorf("%s: PKCS#8 gives back %v %x", c.Name, got, v)
		}
		spki := mustSPKI(t, priv.Public())
		pub, err := ParsePublicKeyInfo(spki)
		if err != nil || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(priv.Public()) {
			t.Errorf("%s: SubjectPublicKeyInfo gives back %v, %v", c.Name, pub, err)
		}
		if c.Name == "Ed25519" || c.Name == "X25519" {
			goDER, _ := x509.MarshalPKCS8PrivateKey(priv)
			goSPKI, _ := x509.MarshalPKIXPublicKey(priv.Public())
			if !bytes.Equal(goDER, der) || !bytes.Equal(goSPKI, spki) {
				t.Errorf("%s: PKCS#8 %x and SPKI %x, Go's x509 %x and %x", c.Name, der, spki, goDER, goSPKI)
			}
		}
		tmpl, err := PublicKeyTemplate(pub)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := PublicKeyOf(tmpl); err != nil || !got.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Errorf("%s: PublicKeyOf the template's CKA_EC_POINT: %v, %v", c.Name, got, err)
		}
		if kt, _ := tmpl.ULong(ck.CKA_KEY_TYPE); ck.KeyType(kt) != c.KeyType {
			t.Errorf("%s: key type %v", c.Name, ck.KeyType(kt))
		}
	}
}

// TestOctetPKCS8Forms: RFC 8410's example Ed25519 key in PKCS#8 v2 with
// its public key (section 10.3) parses; a v2 key with another public key,
// a v1 key with one, and trailing data do not.
func TestOctetPKCS8Forms(t *testing.T) {
	seed := "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
	pub := "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
	v2 := func(pub string) []byte {
		return unhex("3072020101300506032b657004220420" + seed + "a01f301d060a2a864886f70d01090914310f0c0d437572646c6520436861697273" + "812100" + pub)
	}
	key, err := ParsePKCS8PrivateKey(v2(pub))
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := key.(ed25519.PrivateKey); !ok || hex.EncodeToString(k.Seed()) != seed || hex.EncodeToString(k.Public().(ed25519.PublicKey)) != pub {
		t.Errorf("RFC 8410's example key: %T %x", key, key)
	}
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	v1, _ := x509.MarshalPKCS8PrivateKey(x)
	for name, der := range map[string][]byte{
		"v2 with another public key": v2(strings.Repeat("00", 32)),
		"v1 with a public key":       append(bytes.Clone(v2(pub)[:4]), append([]byte{0}, v2(pub)[5:]...)...),
		"trailing data":              append(bytes.Clone(v1), 0),
		"a seed of 31 bytes":         unhex("302d020100300506032b6570042104" + "1f" + seed[:62]),
	} {
		if _, err := ParsePKCS8PrivateKey(der); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
