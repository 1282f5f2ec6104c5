package token

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// TestOctetKeysWrap generates Ed25519, Ed448, X25519 and X448 key pairs
// in the token, wraps each private key in PKCS#8 under AES-KWP and
// unwraps it: the unwrapped key is the generated one, with the key type,
// CKA_EC_PARAMS and CKA_PUBLIC_KEY_INFO of the public key.
func TestOctetKeysWrap(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "octet")
	h := userSession(t, m, slot)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{1}, 32))
	kwp := Mechanism{Type: ck.CKM_AES_KEY_WRAP_KWP}
	for _, c := range []struct {
		mech   ck.MechanismType
		params []byte
	}{
		{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, object.Ed25519Params},
		{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, object.Ed448Params},
		{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, object.X25519Params},
		{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, object.X448Params},
	} {
		curve, _ := object.OctetCurveByParams(c.params)
		pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: c.mech}, object.Template{object.Bytes(ck.CKA_EC_PARAMS, c.params)},
			object.Template{object.Bool(ck.CKA_EXTRACTABLE, true), object.Bool(ck.CKA_DERIVE, curve.KeyType == ck.CKK_EC_MONTGOMERY)})
		if err != nil {
			t.Fatalf("%s: %v", curve.Name, err)
		}
		n, err := m.WrapKey(h, kwp, kek, priv, nil)
		must(t, err)
		wrapped := make([]byte, n)
		_, err = m.WrapKey(h, kwp, kek, priv, wrapped)
		must(t, err)
		back, err := m.UnwrapKey(h, kwp, kek, wrapped, object.Template{class(ck.CKO_PRIVATE_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(curve.KeyType))})
		if err != nil {
			t.Fatalf("%s: unwrapping: %v", curve.Name, err)
		}
		pubAttrs, err := m.GetAttributes(h, pub, ck.CKA_KEY_TYPE, ck.CKA_PUBLIC_KEY_INFO)
		must(t, err)
		backAttrs, err := m.GetAttributes(h, back, ck.CKA_KEY_TYPE, ck.CKA_PUBLIC_KEY_INFO, ck.CKA_EC_PARAMS)
		must(t, err)
		if !bytes.Equal(pubAttrs[0].Value, backAttrs[0].Value) || !bytes.Equal(pubAttrs[1].Value, backAttrs[1].Value) || !bytes.Equal(backAttrs[2].Value, curve.Params) {
			t.Errorf("%s: the unwrapped key is not the generated one", curve.Name)
		}
		if key, err := pki.ParsePublicKeyInfo(pubAttrs[1].Value); err != nil {
			t.Errorf("%s: CKA_PUBLIC_KEY_INFO: %v", curve.Name, err)
		} else if got, _, _ := object.OctetPublicKey(key); got != curve {
			t.Errorf("%s: CKA_PUBLIC_KEY_INFO holds a %T", curve.Name, key)
		}
	}
}

// TestSignerEd448: a Signer over an Ed448 token key signs Ed448 and
// Ed448ph with a context, as ed448.SignerOptions ask, and circl verifies
// the signatures.
func TestSignerEd448(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "ed448")
	h := userSession(t, m, slot)
	_, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_EDWARDS_KEY_PAIR_GEN},
		object.Template{object.Bytes(ck.CKA_EC_PARAMS, object.Ed448Params)}, nil)
	must(t, err)
	s, err := m.NewSigner(h, priv)
	must(t, err)
	pub, ok := s.Public().(ed448.PublicKey)
	if !ok {
		t.Fatalf("the Signer's public key is a %T", s.Public())
	}
	msg := []byte("message")
	for _, opts := range []ed448.SignerOptions{{}, {Context: "ctx"}, {Scheme: ed448.ED448Ph}, {Scheme: ed448.ED448Ph, Context: "ctx"}} {
		sig, err := s.Sign(rand.Reader, msg, opts)
		must(t, err)
		if !ed448.VerifyAny(pub, msg, sig, opts) {
			t.Errorf("%+v: circl does not verify the signature", opts)
		}
	}
	if _, err := s.Sign(rand.Reader, msg, crypto.SHA256); err == nil {
		t.Error("an Ed448 key signed a SHA-256 digest")
	}
}
