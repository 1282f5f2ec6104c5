package token

import (
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
