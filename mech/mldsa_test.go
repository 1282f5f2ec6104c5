package mech

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// generatePQ runs a key pair generation mechanism with a public key
// template of parameter set set and returns the parsed keys, as the
// engine would make them.
func generatePQ(t *testing.T, gen ck.MechanismType, set uint) (priv, pub any) {
	t.Helper()
	m, err := Lookup(gen)
	if err != nil {
		t.Fatal(err)
	}
	pubT := object.Template{object.ULong(ck.CKA_PARAMETER_SET, set)}
	pubMat, privMat, err := m.GenerateKeyPair(nil, pubT, nil)
	if err != nil {
		t.Fatal(err)
	}
	origin := object.Origin{Generated: true, Mechanism: gen}
	po, err := object.New(pubT, pubMat, origin)
	if err != nil {
		t.Fatal(err)
	}
	so, err := object.New(nil, privMat, origin)
	if err != nil {
		t.Fatal(err)
	}
	return so.Key(), po.Key()
}

// signWith signs msg with mechanism t in one part, or in parts of n bytes.
func signWith(t *testing.T, mt ck.MechanismType, key any, p Param, msg []byte, n int) []byte {
	t.Helper()
	m, _ := Lookup(mt)
	s, err := m.NewSigner(key, p)
	if err != nil {
		t.Fatal(err)
	}
	for n > 0 && len(msg) > n {
		if err := s.Update(msg[:n]); err != nil {
			t.Fatal(err)
		}
		msg = msg[n:]
	}
	sig, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != s.Len() {
		t.Fatalf("%d-byte signature, Len %d", len(sig), s.Len())
	}
	return sig
}

// circlVerifyMLDSA verifies with circl's ML-DSA package functions, not
// through the mechanism.
func circlVerifyMLDSA(pub any, msg, ctx, sig []byte) bool {
	switch k := pub.(type) {
	case *mldsa44.PublicKey:
		return mldsa44.Verify(k, msg, ctx, sig)
	case *mldsa65.PublicKey:
		return mldsa65.Verify(k, msg, ctx, sig)
	case *mldsa87.PublicKey:
		return mldsa87.Verify(k, msg, ctx, sig)
	}
	return false
}

// TestMLDSA generates a key pair of each parameter set and signs with
// CKM_ML_DSA in one part and in parts, with and without a context,
// hedged and deterministic: circl verifies every signature, refuses it
// for another context, and CKM_ML_DSA's verifier agrees.
func TestMLDSA(t *testing.T) {
	m, _ := Lookup(ck.CKM_ML_DSA)
	msg := []byte(strings.Repeat("a message signed by ML-DSA\n", 100))
	for _, p := range object.MLDSAParameterSets {
		priv, pub := generatePQ(t, ck.CKM_ML_DSA_KEY_PAIR_GEN, p.Set)
		if priv.(sign.PrivateKey).Scheme() != p.Scheme {
			t.Fatalf("%s: generated a %s key", p.Name, priv.(sign.PrivateKey).Scheme().Name())
		}
		ctx := []byte("corepkcs11 test")
		for _, c := range []struct {
			name  string
			param Param
			ctx   []byte
			parts int
		}{
			{"no parameter", nil, nil, 0},
			{"no parameter, in parts", nil, nil, 100},
			{"context, hedge required", SignContext{Hedge: ck.CKH_HEDGE_REQUIRED, Context: ctx}, ctx, 0},
			{"context, deterministic, in parts", SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: ctx}, ctx, 7},
			{"255-byte context", SignContext{Context: bytes.Repeat([]byte{1}, 255)}, bytes.Repeat([]byte{1}, 255), 0},
		} {
			sig := signWith(t, ck.CKM_ML_DSA, priv, c.param, msg, c.parts)
			if len(sig) != p.Scheme.SignatureSize() {
				t.Errorf("%s %s: %d-byte signature", p.Name, c.name, len(sig))
			}
			if !circlVerifyMLDSA(pub, msg, c.ctx, sig) {
				t.Errorf("%s %s: circl does not verify the signature", p.Name, c.name)
			}
			if circlVerifyMLDSA(pub, msg, []byte("another context"), sig) {
				t.Errorf("%s %s: the signature verifies under another context", p.Name, c.name)
			}
			v, err := m.NewVerifier(pub, c.param)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(msg, sig); err != nil {
				t.Errorf("%s %s: CKM_ML_DSA verify: %v", p.Name, c.name, err)
			}
			v, _ = m.NewVerifier(pub, c.param)
			if err := v.Verify(append(bytes.Clone(msg), '!'), sig); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s %s: another message: %v", p.Name, c.name, err)
			}
		}
		det := SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED}
		if !bytes.Equal(signWith(t, ck.CKM_ML_DSA, priv, det, msg, 0), signWith(t, ck.CKM_ML_DSA, priv, det, msg, 50)) {
			t.Errorf("%s: two deterministic signatures differ", p.Name)
		}
		if bytes.Equal(signWith(t, ck.CKM_ML_DSA, priv, nil, msg, 0), signWith(t, ck.CKM_ML_DSA, priv, nil, msg, 0)) {
			t.Errorf("%s: two hedged signatures are the same", p.Name)
		}
	}
}

// TestMLDSAErrors: the parameters, keys and signatures CKM_ML_DSA refuses.
func TestMLDSAErrors(t *testing.T) {
	m, _ := Lookup(ck.CKM_ML_DSA)
	priv, pub := generatePQ(t, ck.CKM_ML_DSA_KEY_PAIR_GEN, uint(ck.CKP_ML_DSA_44))
	slhPriv, _ := generatePQ(t, ck.CKM_SLH_DSA_KEY_PAIR_GEN, uint(ck.CKP_SLH_DSA_SHA2_128F))
	for _, c := range []struct {
		name  string
		key   any
		param Param
		want  ck.RV
	}{
		{"context of 256 bytes", priv, SignContext{Context: make([]byte, 256)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown hedge", priv, SignContext{Hedge: 3}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"EdDSA parameter", priv, EdDSAParams{}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"public key", pub, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"SLH-DSA key", slhPriv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		_, err := m.NewSigner(c.key, c.param)
		if got := ck.ToRV(err); got != c.want {
			t.Errorf("%s: %v (%v), want %v", c.name, got, err, c.want)
		}
	}
	if _, err := m.NewVerifier(priv, nil); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("verify with a private key: %v", err)
	}
	v, _ := m.NewVerifier(pub, nil)
	if err := v.Verify([]byte("m"), make([]byte, mldsa44.SignatureSize-1)); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("short signature: %v", err)
	}
	gen, _ := Lookup(ck.CKM_ML_DSA_KEY_PAIR_GEN)
	for _, c := range []struct {
		pub  object.Template
		want ck.RV
	}{
		{nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{object.Template{object.ULong(ck.CKA_PARAMETER_SET, 4)}, ck.CKR_PARAMETER_SET_NOT_SUPPORTED},
	} {
		if _, _, err := gen.GenerateKeyPair(nil, c.pub, nil); ck.ToRV(err) != c.want {
			t.Errorf("key generation with %v: %v, want %v", c.pub, err, c.want)
		}
	}
}
