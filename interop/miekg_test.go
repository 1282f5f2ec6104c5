package interop

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
)

var p256OID = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// TestMiekg drives the module in-process through github.com/miekg/pkcs11,
// covering the API the corePKCS11 seed lists: Initialize, GetSlotList,
// GetTokenInfo, InitToken, OpenSession, Login, CreateObject,
// GenerateKeyPair, FindObjects*, GetAttributeValue, GenerateRandom, Sign,
// Verify, Digest*, DestroyObject, CloseSession, Finalize. Signatures and
// digests are checked with Go's crypto.
func TestMiekg(t *testing.T) {
	e := newEnv(t)
	t.Setenv("COREPKCS11_STORE", e.store)
	p := pkcs11.New(modulePath)
	if p == nil {
		t.Fatal("pkcs11.New could not load the module")
	}
	defer p.Destroy()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("Initialize", p.Initialize())
	defer p.Finalize()
	// The store comes from the environment as the process set it after
	// starting, not as it started (see module.getenv).
	if _, err := os.Stat(filepath.Join(e.store, "corepkcs11.db")); err != nil {
		t.Fatalf("the module did not open COREPKCS11_STORE set by the host: %v", err)
	}
	if err := p.Initialize(); err != pkcs11.Error(pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		t.Errorf("second Initialize: %v", err)
	}
	slots, err := p.GetSlotList(true)
	must("GetSlotList", err)
	slot := slots[len(slots)-1]
	must("InitToken", p.InitToken(slot, soPIN, "miekg"))
	info, err := p.GetTokenInfo(slot)
	must("GetTokenInfo", err)
	if info.Label != "miekg" || info.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
		t.Errorf("token info %+v", info)
	}
	s, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	must("OpenSession", err)
	defer p.CloseSession(s)
	must("Login SO", p.Login(s, pkcs11.CKU_SO, soPIN))
	must("InitPIN", p.InitPIN(s, userPIN))
	must("Logout", p.Logout(s))
	if err := p.Login(s, pkcs11.CKU_USER, "wrong-pin"); err != pkcs11.Error(pkcs11.CKR_PIN_INCORRECT) {
		t.Errorf("wrong PIN: %v", err)
	}
	must("Login", p.Login(s, pkcs11.CKU_USER, userPIN))

	// Provisioning: import a device key and certificate, generate a pair.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := make([]byte, 32)
	key.D.FillBytes(d)
	imported, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "Device Priv TLS Key"),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256OID),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, d),
	})
	must("CreateObject private key", err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	certDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	_, err = p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "Device Cert"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, certDER),
	})
	must("CreateObject certificate", err)
	pub, priv, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256OID), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "gen"), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "gen"), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true)})
	must("GenerateKeyPair", err)

	// Client authentication: find the key, sign with it.
	must("FindObjectsInit", p.FindObjectsInit(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "Device Priv TLS Key")}))
	found, _, err := p.FindObjects(s, 10)
	must("FindObjects", err)
	must("FindObjectsFinal", p.FindObjectsFinal(s))
	if len(found) != 1 || found[0] != imported {
		t.Fatalf("found %v, want [%d]", found, imported)
	}
	attrs, err := p.GetAttributeValue(s, pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil), pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	must("GetAttributeValue", err)
	var point []byte
	if _, err := asn1.Unmarshal(attrs[0].Value, &point); err != nil || string(attrs[1].Value) != "gen" {
		t.Fatalf("CKA_EC_POINT %x, label %q", attrs[0].Value, attrs[1].Value)
	}
	genPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	must("parse CKA_EC_POINT", err)
	rnd, err := p.GenerateRandom(s, 32)
	must("GenerateRandom", err)
	if len(rnd) != 32 || bytes.Equal(rnd, make([]byte, 32)) {
		t.Errorf("GenerateRandom returned %x", rnd)
	}
	digest := sha256.Sum256(rnd)
	for _, c := range []struct {
		key pkcs11.ObjectHandle
		pub *ecdsa.PublicKey
	}{{imported, &key.PublicKey}, {priv, genPub}} {
		must("SignInit", p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, c.key))
		sig, err := p.Sign(s, digest[:])
		must("Sign", err)
		r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if len(sig) != 64 || !ecdsa.Verify(c.pub, digest[:], r, sv) {
			t.Fatalf("signature of key %d does not verify with Go's crypto", c.key)
		}
	}

	// OTA: digest an image in parts, verify a signature over it.
	image := bytes.Repeat([]byte("firmware"), 4096)
	sum := sha256.Sum256(image)
	must("DigestInit", p.DigestInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}))
	must("DigestUpdate", p.DigestUpdate(s, image[:1000]))
	must("DigestUpdate", p.DigestUpdate(s, image[1000:]))
	got, err := p.DigestFinal(s)
	must("DigestFinal", err)
	if !bytes.Equal(got, sum[:]) {
		t.Fatalf("DigestFinal %x, want %x", got, sum)
	}
	must("DigestInit", p.DigestInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}))
	if got, err := p.Digest(s, image); err != nil || !bytes.Equal(got, sum[:]) {
		t.Fatalf("Digest %x, %v", got, err)
	}
	r, sv, _ := ecdsa.Sign(rand.Reader, key, sum[:])
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sv.FillBytes(raw[32:])
	codeKey, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "Code Verify Key"), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256OID),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, ecPoint(&key.PublicKey)),
	})
	must("CreateObject code verify key", err)
	must("VerifyInit", p.VerifyInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, codeKey))
	must("Verify", p.Verify(s, sum[:], raw))
	raw[10] ^= 1
	must("VerifyInit", p.VerifyInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, codeKey))
	if err := p.Verify(s, sum[:], raw); err != pkcs11.Error(pkcs11.CKR_SIGNATURE_INVALID) {
		t.Errorf("Verify of a tampered signature: %v", err)
	}

	// Cleanup.
	for _, h := range []pkcs11.ObjectHandle{imported, pub, priv, codeKey} {
		must("DestroyObject", p.DestroyObject(s, h))
	}
	if _, err := p.GetAttributeValue(s, imported, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)}); err != pkcs11.Error(pkcs11.CKR_OBJECT_HANDLE_INVALID) {
		t.Errorf("destroyed object still answers: %v", err)
	}
}

func ecPoint(pub *ecdsa.PublicKey) []byte {
	raw, _ := pub.Bytes()
	b, _ := asn1.Marshal(raw)
	return b
}
