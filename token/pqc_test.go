package token

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// genPQ generates a token key pair of a PKCS#11 3.2 key type.
func genPQ(t *testing.T, m *Module, h ck.SessionHandle, gen ck.MechanismType, set ck.ParameterSet) (pub, priv ck.ObjectHandle) {
	t.Helper()
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: gen},
		object.Template{object.ULong(ck.CKA_PARAMETER_SET, uint(set)), object.Bool(ck.CKA_TOKEN, true)},
		object.Template{object.Bool(ck.CKA_TOKEN, true)})
	must(t, err)
	return pub, priv
}

// TestPQSigner: token ML-DSA-65 and SLH-DSA keys sign through the
// crypto.Signer, which refuses digests; circl verifies the signatures with
// the public key the Signer gives. The generated private key is sensitive,
// not extractable, and carries its parameter set.
func TestPQSigner(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "pq")
	h := userSession(t, m, slot)
	msg := []byte("a message, not a digest")
	for _, c := range []struct {
		gen    ck.MechanismType
		set    ck.ParameterSet
		verify func(pub crypto.PublicKey, sig []byte) bool
	}{
		{ck.CKM_ML_DSA_KEY_PAIR_GEN, ck.CKP_ML_DSA_65, func(pub crypto.PublicKey, sig []byte) bool {
			k, ok := pub.(*mldsa65.PublicKey)
			return ok && mldsa65.Verify(k, msg, nil, sig)
		}},
		{ck.CKM_SLH_DSA_KEY_PAIR_GEN, ck.CKP_SLH_DSA_SHA2_128F, func(pub crypto.PublicKey, sig []byte) bool {
			k, ok := pub.(*slhdsa.PublicKey)
			return ok && slhdsa.Verify(k, slhdsa.NewMessage(msg), sig, nil)
		}},
	} {
		_, priv := genPQ(t, m, h, c.gen, c.set)
		attrs, err := m.GetAttributes(h, priv, ck.CKA_PARAMETER_SET, ck.CKA_SENSITIVE, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_LOCAL)
		must(t, err)
		if set, _ := object.DecodeULong(attrs[0].Value); set != uint(c.set) {
			t.Errorf("%v: CKA_PARAMETER_SET %d", c.gen, set)
		}
		for _, a := range attrs[1:] {
			if len(a.Value) != 1 || a.Value[0] != 1 {
				t.Errorf("%v: %v is %x", c.gen, a.Type, a.Value)
			}
		}
		if _, err := m.GetAttributes(h, priv, ck.CKA_VALUE); ck.ToRV(err) != ck.CKR_ATTRIBUTE_SENSITIVE {
			t.Errorf("%v: CKA_VALUE: %v", c.gen, err)
		}
		s, err := m.NewSigner(h, priv)
		must(t, err)
		sig, err := s.Sign(rand.Reader, msg, crypto.Hash(0))
		must(t, err)
		if !c.verify(s.Public(), sig) {
			t.Errorf("%v: circl does not verify the crypto.Signer's signature", c.gen)
		}
		digest := sha256.Sum256(msg)
		if _, err := s.Sign(rand.Reader, digest[:], crypto.SHA256); err == nil {
			t.Errorf("%v: signed a SHA-256 digest", c.gen)
		}
	}
}

// TestMLDSAContextThroughEngine signs with a context, deterministically,
// through C_SignInit/C_SignUpdate/C_SignFinal, and verifies in one part:
// the same context verifies, another does not; two deterministic
// signatures are equal.
func TestMLDSAContextThroughEngine(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "pqctx")
	h := userSession(t, m, slot)
	pub, priv := genPQ(t, m, h, ck.CKM_ML_DSA_KEY_PAIR_GEN, ck.CKP_ML_DSA_44)
	param := mech.SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: []byte("context")}
	mc := Mechanism{Type: ck.CKM_ML_DSA, Param: param}
	sign := func() []byte {
		must(t, m.SignInit(h, mc, priv))
		must(t, m.SignUpdate(h, []byte("part one, ")))
		must(t, m.SignUpdate(h, []byte("part two")))
		sig := make([]byte, 4096)
		n, err := m.SignFinal(h, sig)
		must(t, err)
		return sig[:n]
	}
	sig := sign()
	if string(sig) != string(sign()) {
		t.Error("two CKH_DETERMINISTIC_REQUIRED signatures differ")
	}
	must(t, m.VerifyInit(h, mc, pub))
	if err := m.Verify(h, []byte("part one, part two"), sig); err != nil {
		t.Errorf("verify: %v", err)
	}
	must(t, m.VerifyInit(h, Mechanism{Type: ck.CKM_ML_DSA, Param: mech.SignContext{Context: []byte("other")}}, pub))
	if err := m.Verify(h, []byte("part one, part two"), sig); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
		t.Errorf("verify under another context: %v", err)
	}
}

// TestMLDSAKeyWrap wraps a generated ML-DSA-44 private key in PKCS#8
// (RFC 9881's seed and expanded key) under AES-KWP and unwraps it: the
// unwrapped key has the generated one's seed, and signs what the
// generated key's public half verifies.
func TestMLDSAKeyWrap(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "mldsa")
	h := userSession(t, m, slot)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{2}, 32))
	kwp := Mechanism{Type: ck.CKM_AES_KEY_WRAP_KWP}
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_ML_DSA_KEY_PAIR_GEN},
		object.Template{object.ULong(ck.CKA_PARAMETER_SET, uint(ck.CKP_ML_DSA_44))},
		object.Template{object.Bool(ck.CKA_EXTRACTABLE, true), object.Bool(ck.CKA_SENSITIVE, false)})
	must(t, err)
	n, err := m.WrapKey(h, kwp, kek, priv, nil)
	must(t, err)
	wrapped := make([]byte, n)
	_, err = m.WrapKey(h, kwp, kek, priv, wrapped)
	must(t, err)
	back, err := m.UnwrapKey(h, kwp, kek, wrapped, object.Template{class(ck.CKO_PRIVATE_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_DSA)),
		object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	if a, b := attr(t, m, h, priv, ck.CKA_SEED), attr(t, m, h, back, ck.CKA_SEED); len(a) != 32 || !bytes.Equal(a, b) {
		t.Errorf("the unwrapped key's seed %x is not the generated key's %x", b, a)
	}
	msg := []byte("firmware")
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ML_DSA}, back))
	sig := make([]byte, 4096)
	n, err = m.Sign(h, msg, sig)
	must(t, err)
	sig = sig[:n]
	must(t, m.VerifyInit(h, Mechanism{Type: ck.CKM_ML_DSA}, pub))
	if err := m.Verify(h, msg, sig); err != nil {
		t.Errorf("the generated public key does not verify the unwrapped key's signature: %v", err)
	}
}
