package qualify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/miekg/pkcs11"
)

// The RSA and EC groups: provisioning, finding, reading, using and
// destroying device credentials, from one thread and from several.
func init() {
	register("RSA",
		test{name: "CreateObject", run: func(t *T) { createObject(t, false) }},
		test{name: "FindObject", run: func(t *T) { findObject(t, false) }},
		test{name: "GetAttributeValue", run: func(t *T) { getAttributeValue(t, false) }},
		test{name: "Sign", run: func(t *T) { sign(t, false) }},
		test{name: "FindObjectMultiThread", run: func(t *T) { findObjectMultiThread(t, false) }},
		test{name: "GetAttributeValueMultiThread", run: func(t *T) { getAttributeValueMultiThread(t, false) }},
		test{name: "DestroyObject", run: func(t *T) { destroyObject(t, false) }},
	)
	register("EC",
		test{name: "GenerateKeyPair", run: generateKeyPair},
		test{name: "CreateObject", run: func(t *T) { createObject(t, true) }},
		test{name: "FindObject", run: func(t *T) { findObject(t, true) }},
		test{name: "GetAttributeValue", run: func(t *T) { getAttributeValue(t, true) }},
		test{name: "Sign", run: func(t *T) { sign(t, true) }},
		test{name: "Verify", run: verify},
		test{name: "FindObjectMultiThread", run: func(t *T) { findObjectMultiThread(t, true) }},
		test{name: "GetAttributeValueMultiThread", run: func(t *T) { getAttributeValueMultiThread(t, true) }},
		test{name: "SignVerifyMultiThread", run: signVerifyMultiThread},
		test{name: "DestroyObject", run: func(t *T) { destroyObject(t, true) }},
	)
}

// keyGroup checks that the group's key function is enabled and returns a
// logged-in session with the group's credentials.
func keyGroup(t *T, ec bool) (*pkcs11.Ctx, pkcs11.SessionHandle, credentials) {
	if ec && !t.s.opts.EC {
		t.Skipf("EC key support is disabled")
	}
	if !ec && !t.s.opts.RSA {
		t.Skipf("RSA key support is disabled")
	}
	p, h := t.session()
	return p, h, t.keys(p, h, ec)
}

func createObject(t *T, ec bool) {
	if !t.s.opts.Import || t.s.opts.Preprovisioned {
		t.Skipf("private key import is not tested in this configuration")
	}
	if t.s.creds != nil {
		t.s.destroyCreated()
	}
	_, _, c := keyGroup(t, ec)
	if c.priv == 0 || c.cert == 0 {
		t.Fatalf("provisioning returned no handles")
	}
}

func findObject(t *T, ec bool) {
	p, h, c := keyGroup(t, ec)
	l := t.s.opts.Labels
	if got := t.labelled(p, h, pkcs11.CKO_PRIVATE_KEY, l.PrivateKey); got != c.priv {
		t.Fatalf("finding %q gave %d, want %d", l.PrivateKey, got, c.priv)
	}
	if c.cert != 0 {
		if got := t.labelled(p, h, pkcs11.CKO_CERTIFICATE, l.Certificate); got != c.cert {
			t.Fatalf("finding %q gave %d, want %d", l.Certificate, got, c.cert)
		}
	}
	if c.pub != 0 {
		if got := t.labelled(p, h, pkcs11.CKO_PUBLIC_KEY, l.PublicKey); got != c.pub {
			t.Fatalf("finding %q gave %d, want %d", l.PublicKey, got, c.pub)
		}
	}
	if got := t.labelled(p, h, pkcs11.CKO_PRIVATE_KEY, "no such label, qualify"); got != 0 {
		t.Fatalf("finding a label nobody used returned object %d", got)
	}
	t.ok("C_FindObjectsInit", p.FindObjectsInit(h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PrivateKey)}))
	t.rv("second C_FindObjectsInit", p.FindObjectsInit(h, nil), pkcs11.CKR_OPERATION_ACTIVE)
	t.ok("C_FindObjectsFinal", p.FindObjectsFinal(h))
}

func getAttributeValue(t *T, ec bool) {
	p, h, c := keyGroup(t, ec)
	attrs, err := p.GetAttributeValue(h, c.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, nil), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil)})
	t.ok("C_GetAttributeValue(private key)", err)
	wantType := uint(pkcs11.CKK_RSA)
	secret := uint(pkcs11.CKA_PRIVATE_EXPONENT)
	if ec {
		wantType, secret = pkcs11.CKK_EC, pkcs11.CKA_VALUE
	}
	if ulong(attrs[0].Value) != pkcs11.CKO_PRIVATE_KEY || ulong(attrs[1].Value) != wantType {
		t.Fatalf("CKA_CLASS %d, CKA_KEY_TYPE %d", ulong(attrs[0].Value), ulong(attrs[1].Value))
	}
	if len(attrs[2].Value) == 1 && attrs[2].Value[0] == 1 {
		_, err := p.GetAttributeValue(h, c.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(secret, nil)})
		t.rv("reading the private value of a sensitive key", err, pkcs11.CKR_ATTRIBUTE_SENSITIVE)
	}
	if !ec {
		pub, err := rsaPublic(p, h, c.priv)
		t.ok("CKA_MODULUS", err)
		if !pub.Equal(c.public) {
			t.Fatalf("CKA_MODULUS and CKA_PUBLIC_EXPONENT are not the key's")
		}
	} else if c.pub != 0 {
		pub, err := ecPublic(p, h, c.pub)
		t.ok("CKA_EC_POINT", err)
		if !pub.Equal(c.public) {
			t.Fatalf("CKA_EC_POINT is not the key's")
		}
	}
	if c.cert != 0 {
		v, err := p.GetAttributeValue(h, c.cert, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		t.ok("C_GetAttributeValue(certificate CKA_VALUE)", err)
		cert, err := x509.ParseCertificate(v[0].Value)
		t.ok("parsing the certificate", err)
		if !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(c.public) {
			t.Fatalf("the certificate is not for the private key")
		}
	}
	_, err = p.GetAttributeValue(h, c.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VENDOR_DEFINED|0x4242, nil)})
	t.rv("reading an attribute the object does not have", err, pkcs11.CKR_ATTRIBUTE_TYPE_INVALID)
}

// ulong decodes a CK_ULONG attribute value.
func ulong(b []byte) uint {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	}
	return ^uint(0)
}

// signOnce signs a SHA-256 digest of msg with the token and checks the
// signature with Go's crypto.
func signOnce(p *pkcs11.Ctx, h pkcs11.SessionHandle, c credentials, ec bool, msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	mech, input := uint(pkcs11.CKM_RSA_PKCS), append(append([]byte(nil), sha256DigestInfo...), digest[:]...)
	if ec {
		mech, input = pkcs11.CKM_ECDSA, digest[:]
	}
	if err := p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, c.priv); err != nil {
		return nil, fmt.Errorf("C_SignInit: %w", err)
	}
	sig, err := p.Sign(h, input)
	if err != nil {
		return nil, fmt.Errorf("C_Sign: %w", err)
	}
	switch pub := c.public.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			return nil, fmt.Errorf("the CKM_RSA_PKCS signature does not verify: %w", err)
		}
	case *ecdsa.PublicKey:
		if len(sig) != 64 {
			return nil, fmt.Errorf("a P-256 CKM_ECDSA signature is 64 bytes, not %d", len(sig))
		}
		if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return nil, fmt.Errorf("the CKM_ECDSA signature does not verify")
		}
	}
	return sig, nil
}

// sha256DigestInfo is the DER DigestInfo header for SHA-256 (RFC 8017 9.2).
var sha256DigestInfo = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

func sign(t *T, ec bool) {
	p, h, c := keyGroup(t, ec)
	for i := range 3 {
		_, err := signOnce(p, h, c, ec, []byte(fmt.Sprintf("qualify sign %d", i)))
		t.ok("signing", err)
	}
	_, err := p.Sign(h, []byte("no init"))
	t.rv("C_Sign without C_SignInit", err, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	digest := sha256.Sum256([]byte("qualify sign"))
	if !ec {
		signRaw(t, p, h, c, digest[:])
	}
	// FreeRTOS's PKCS11_EC_Sign and PKCS11_RSA_Sign end with a C_SignInit
	// and a C_Sign length query, which leaves the operation active. The
	// EC test runs once per provisioning method on one session, so with
	// both import and generation enabled its second round's C_SignInit
	// must replace the queried operation.
	mech, input := uint(pkcs11.CKM_RSA_PKCS), append(bytes.Clone(sha256DigestInfo), digest[:]...)
	var sigLen int
	switch pub := c.public.(type) {
	case *rsa.PublicKey:
		sigLen = pub.Size()
	case *ecdsa.PublicKey:
		mech, input, sigLen = pkcs11.CKM_ECDSA, digest[:], 2*((pub.Curve.Params().BitSize+7)/8)
	}
	rounds := 1
	if ec && t.s.opts.Import && t.s.opts.Generate && !t.s.opts.Preprovisioned {
		rounds = 2
	}
	for round := range rounds {
		t.ok(fmt.Sprintf("C_SignInit (round %d)", round+1), p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, c.priv))
		if rv, n, _ := t.raw().sign(uint(h), input, sigLen); rv != pkcs11.CKR_OK || n != uint(sigLen) {
			t.Fatalf("C_Sign (round %d) returned %s, %d bytes", round+1, rvName(rv), n)
		}
		t.ok(fmt.Sprintf("C_SignInit after the signature (round %d)", round+1), p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, c.priv))
		if rv, n, _ := t.raw().sign(uint(h), input, -1); rv != pkcs11.CKR_OK || n != uint(sigLen) {
			t.Fatalf("C_Sign length query (round %d) returned %s, %d bytes", round+1, rvName(rv), n)
		}
	}
}

// signRaw signs a block the caller padded with CKM_RSA_X_509, as
// FreeRTOS's RSA tests do, and checks it is the PKCS#1 v1.5 signature.
func signRaw(t *T, p *pkcs11.Ctx, h pkcs11.SessionHandle, c credentials, digest []byte) {
	pub := c.public.(*rsa.PublicKey)
	info := append(bytes.Clone(sha256DigestInfo), digest...)
	block := bytes.Repeat([]byte{0xff}, pub.Size())
	block[0], block[1], block[len(block)-len(info)-1] = 0, 1, 0
	copy(block[len(block)-len(info):], info)
	t.ok("C_SignInit(CKM_RSA_X_509)", p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_X_509, nil)}, c.priv))
	sig, err := p.Sign(h, block)
	t.ok("C_Sign(CKM_RSA_X_509)", err)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig); err != nil {
		t.Fatalf("the CKM_RSA_X_509 signature of a PKCS#1 block is not a PKCS#1 v1.5 signature: %v", err)
	}
}

func generateKeyPair(t *T) {
	if !t.s.opts.EC {
		t.Skipf("EC key support is disabled")
	}
	if !t.s.opts.Generate || t.s.opts.Preprovisioned {
		t.Skipf("key pair generation is not tested in this configuration")
	}
	p, h := t.session()
	t.noLeftovers(p, h)
	c := t.generateEC(p, h)
	attrs, err := p.GetAttributeValue(h, c.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_LOCAL, nil), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil)})
	t.ok("C_GetAttributeValue(generated private key)", err)
	if len(attrs[0].Value) != 1 || attrs[0].Value[0] != 1 || ulong(attrs[1].Value) != pkcs11.CKK_EC {
		t.Fatalf("generated key: CKA_LOCAL %x, CKA_KEY_TYPE %d", attrs[0].Value, ulong(attrs[1].Value))
	}
	_, err = signOnce(p, h, c, true, []byte("freshly generated"))
	t.ok("signing with the generated key", err)
	if t.s.opts.Import {
		// CreateObject provisions the group's keys under the same labels.
		t.s.destroyCreated()
		return
	}
	t.s.mu.Lock()
	t.s.creds = &c
	t.s.mu.Unlock()
}

func verify(t *T) {
	p, h, c := keyGroup(t, true)
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	digest := sha256.Sum256([]byte("firmware image"))
	if c.pub != 0 {
		sig, err := signOnce(p, h, c, true, []byte("firmware image"))
		t.ok("signing", err)
		t.ok("C_VerifyInit", p.VerifyInit(h, mech, c.pub))
		t.ok("C_Verify of the token's signature", p.Verify(h, digest[:], sig))
	}
	// A signature made outside the token, checked with an imported
	// code-verification key, as OTA updates are.
	vendor, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r, s, _ := ecdsa.Sign(rand.Reader, vendor, digest[:])
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	key, err := p.CreateObject(h, ecPublicTemplate(t.s.opts.Labels.CodeVerifyKey, &vendor.PublicKey))
	t.ok("C_CreateObject(code verify key)", err)
	t.created(key)
	t.ok("C_VerifyInit", p.VerifyInit(h, mech, key))
	t.ok("C_Verify", p.Verify(h, digest[:], sig))
	sig[20] ^= 0x10
	t.ok("C_VerifyInit", p.VerifyInit(h, mech, key))
	t.rv("C_Verify of a tampered signature", p.Verify(h, digest[:], sig), pkcs11.CKR_SIGNATURE_INVALID)
	t.ok("C_VerifyInit", p.VerifyInit(h, mech, key))
	t.rv("C_Verify of a short signature", p.Verify(h, digest[:], sig[:63]), pkcs11.CKR_SIGNATURE_LEN_RANGE)
}

const threads, rounds = 4, 25

func findObjectMultiThread(t *T, ec bool) {
	_, _, c := keyGroup(t, ec)
	label := t.s.opts.Labels.PrivateKey
	t.parallel(threads, func(p *pkcs11.Ctx, h pkcs11.SessionHandle) error {
		for range rounds {
			hs, err := find(p, h, pkcs11.CKO_PRIVATE_KEY, label)
			if err != nil {
				return err
			}
			if len(hs) != 1 || hs[0] != c.priv {
				return fmt.Errorf("found %v, want [%d]", hs, c.priv)
			}
		}
		return nil
	})
}

func getAttributeValueMultiThread(t *T, ec bool) {
	p, h, c := keyGroup(t, ec)
	typ, obj := uint(pkcs11.CKA_MODULUS), c.priv
	if ec {
		typ = pkcs11.CKA_EC_PARAMS
	}
	want, err := p.GetAttributeValue(h, obj, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	t.ok("C_GetAttributeValue", err)
	t.parallel(threads, func(p *pkcs11.Ctx, h pkcs11.SessionHandle) error {
		for range rounds {
			got, err := p.GetAttributeValue(h, obj, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
			if err != nil {
				return fmt.Errorf("C_GetAttributeValue: %w", err)
			}
			if !bytes.Equal(got[0].Value, want[0].Value) {
				return fmt.Errorf("C_GetAttributeValue gave a different value from another thread")
			}
		}
		return nil
	})
}

func signVerifyMultiThread(t *T) {
	_, _, c := keyGroup(t, true)
	t.parallel(threads, func(p *pkcs11.Ctx, h pkcs11.SessionHandle) error {
		mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
		for i := range rounds {
			msg := []byte(fmt.Sprintf("thread message %d", i))
			sig, err := signOnce(p, h, c, true, msg)
			if err != nil {
				return err
			}
			if c.pub == 0 {
				continue
			}
			digest := sha256.Sum256(msg)
			if err := p.VerifyInit(h, mech, c.pub); err != nil {
				return fmt.Errorf("C_VerifyInit: %w", err)
			}
			if err := p.Verify(h, digest[:], sig); err != nil {
				return fmt.Errorf("C_Verify: %w", err)
			}
		}
		return nil
	})
}

func destroyObject(t *T, ec bool) {
	if t.s.opts.Preprovisioned {
		t.Skipf("pre-provisioned credentials are not destroyed")
	}
	p, h, c := keyGroup(t, ec)
	for _, o := range []pkcs11.ObjectHandle{c.priv, c.pub, c.cert} {
		if o == 0 {
			continue
		}
		t.ok("C_DestroyObject", p.DestroyObject(h, o))
		t.forget(o)
		_, err := p.GetAttributeValue(h, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, nil)})
		t.rv("C_GetAttributeValue of a destroyed object", err, pkcs11.CKR_OBJECT_HANDLE_INVALID)
	}
	if got := t.labelled(p, h, pkcs11.CKO_PRIVATE_KEY, t.s.opts.Labels.PrivateKey); got != 0 {
		t.Fatalf("the destroyed private key is still found")
	}
	t.s.mu.Lock()
	t.s.creds = nil
	t.s.mu.Unlock()
}
