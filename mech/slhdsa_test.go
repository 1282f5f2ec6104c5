package mech

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"os"
	"testing"

	"github.com/cloudflare/circl/sign/slhdsa"
	"github.com/cloudflare/circl/xof"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// slhdsaKeyObject makes the private key object of an ACVP test case's
// parameter set and sk.
func slhdsaKeyObject(t *testing.T, tcID int, parameterSet, sk string) *object.Object {
	t.Helper()
	id, err := slhdsa.IDByName(parameterSet)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := object.SLHDSAOf(id)
	key, err := object.New(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)),
		object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_SLH_DSA)), object.ULong(ck.CKA_PARAMETER_SET, p.Set),
		object.Bytes(ck.CKA_VALUE, unhex(t, sk))}, nil, object.Origin{})
	if err != nil {
		t.Fatalf("tcId %d: %v", tcID, err)
	}
	return key
}

// TestSLHDSAACVP signs NIST's deterministic SLH-DSA sigGen test cases
// (external interface, pure) through CKM_SLH_DSA with
// CKH_DETERMINISTIC_REQUIRED and the test's context: the signatures must
// be NIST's, and the mechanism's verifier must take them.
func TestSLHDSAACVP(t *testing.T) {
	data, err := os.ReadFile("testdata/slhdsa-siggen-acvp.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tests []struct {
			TcID                            int    `json:"tcId"`
			ParameterSet                    string `json:"parameterSet"`
			Sk, Message, Context, Signature string
		}
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	m, _ := Lookup(ck.CKM_SLH_DSA)
	for _, v := range f.Tests {
		key := slhdsaKeyObject(t, v.TcID, v.ParameterSet, v.Sk)
		param := SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: unhex(t, v.Context)}
		msg, want := unhex(t, v.Message), unhex(t, v.Signature)
		if got := signWith(t, ck.CKM_SLH_DSA, key.Key(), param, msg, 0); !bytes.Equal(got, want) {
			t.Errorf("tcId %d (%s): the signature is not NIST's", v.TcID, v.ParameterSet)
		}
		pub := key.Key().(*slhdsa.PrivateKey).PublicKey()
		vf, err := m.NewVerifier(&pub, param)
		if err != nil {
			t.Fatal(err)
		}
		if err := vf.Verify(msg, want); err != nil {
			t.Errorf("tcId %d: CKM_SLH_DSA does not verify NIST's signature: %v", v.TcID, err)
		}
	}
}

// TestSLHDSA generates a key pair, signs hedged in parts with a context,
// and has circl verify the signature; the errors CKM_SLH_DSA gives.
func TestSLHDSA(t *testing.T) {
	m, _ := Lookup(ck.CKM_SLH_DSA)
	priv, pub := generatePQ(t, ck.CKM_SLH_DSA_KEY_PAIR_GEN, uint(ck.CKP_SLH_DSA_SHAKE_128F))
	if k := pub.(*slhdsa.PublicKey); k.ID != slhdsa.SHAKE_128f {
		t.Fatalf("generated an %v key", k.ID)
	}
	msg, ctx := bytes.Repeat([]byte("SLH-DSA "), 300), []byte("ctx")
	sig := signWith(t, ck.CKM_SLH_DSA, priv, SignContext{Context: ctx}, msg, 1000)
	if !slhdsa.Verify(pub.(*slhdsa.PublicKey), slhdsa.NewMessage(msg), sig, ctx) {
		t.Error("circl does not verify the signature")
	}
	if slhdsa.Verify(pub.(*slhdsa.PublicKey), slhdsa.NewMessage(msg), sig, nil) {
		t.Error("the signature verifies without its context")
	}
	v, _ := m.NewVerifier(pub, SignContext{Context: []byte("other")})
	if err := v.Verify(msg, sig); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
		t.Errorf("verify under another context: %v", err)
	}
	v, _ = m.NewVerifier(pub, nil)
	if err := v.Verify(msg, sig[1:]); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("short signature: %v", err)
	}
	mlPriv, _ := generatePQ(t, ck.CKM_ML_DSA_KEY_PAIR_GEN, uint(ck.CKP_ML_DSA_44))
	if _, err := m.NewSigner(mlPriv, nil); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("sign with an ML-DSA key: %v", err)
	}
	if _, err := m.NewSigner(priv, SignContext{Hedge: 9}); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("unknown hedge: %v", err)
	}
	gen, _ := Lookup(ck.CKM_SLH_DSA_KEY_PAIR_GEN)
	if _, _, err := gen.GenerateKeyPair(nil, object.Template{object.ULong(ck.CKA_PARAMETER_SET, 13)}, nil); ck.ToRV(err) != ck.CKR_PARAMETER_SET_NOT_SUPPORTED {
		t.Errorf("parameter set 13: %v", err)
	}
}

// TestHashSLHDSAACVP signs NIST's deterministic HashSLH-DSA sigGen test
// cases (external interface, preHash) through the CKM_HASH_SLH_DSA
// variant of each case's hash, the message in two parts: the signatures
// must be NIST's, and the mechanism's verifier must take them and refuse
// them under pure SLH-DSA.
func TestHashSLHDSAACVP(t *testing.T) {
	data, err := os.ReadFile("testdata/slhdsa-prehash-acvp.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tests []struct {
			TcID                            int    `json:"tcId"`
			ParameterSet                    string `json:"parameterSet"`
			HashAlg                         string `json:"hashAlg"`
			Sk, Message, Context, Signature string
		}
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	mechanisms := map[string]ck.MechanismType{"SHA2-512": ck.CKM_HASH_SLH_DSA_SHA512, "SHA3-384": ck.CKM_HASH_SLH_DSA_SHA3_384,
		"SHAKE-256": ck.CKM_HASH_SLH_DSA_SHAKE256}
	if len(f.Tests) != len(mechanisms) {
		t.Fatalf("%d test cases", len(f.Tests))
	}
	pure, _ := Lookup(ck.CKM_SLH_DSA)
	for _, v := range f.Tests {
		mt, ok := mechanisms[v.HashAlg]
		if !ok {
			t.Fatalf("tcId %d: hash %q", v.TcID, v.HashAlg)
		}
		m, _ := Lookup(mt)
		key := slhdsaKeyObject(t, v.TcID, v.ParameterSet, v.Sk)
		param := SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: unhex(t, v.Context)}
		msg, want := unhex(t, v.Message), unhex(t, v.Signature)
		if got := signWith(t, mt, key.Key(), param, msg, len(msg)/2); !bytes.Equal(got, want) {
			t.Errorf("tcId %d (%v): the signature is not NIST's", v.TcID, mt)
		}
		pub := key.Key().(*slhdsa.PrivateKey).PublicKey()
		for _, c := range []struct {
			m    *Mechanism
			want ck.RV
		}{{m, ck.CKR_OK}, {pure, ck.CKR_SIGNATURE_INVALID}} {
			vf, err := c.m.NewVerifier(&pub, param)
			if err != nil {
				t.Fatal(err)
			}
			if err := vf.Verify(msg, want); ck.ToRV(err) != c.want {
				t.Errorf("tcId %d: %v verifies NIST's signature: %v, want %v", v.TcID, c.m.Type, err, c.want)
			}
		}
	}
}

// TestHashSLHDSAHashes ties each HashSLH-DSA mechanism to its hash: circl
// verifies its signature over the message hashed with that hash, and not
// with another.
func TestHashSLHDSAHashes(t *testing.T) {
	pub, priv, err := slhdsa.GenerateKey(rand.Reader, slhdsa.SHA2_128f)
	if err != nil {
		t.Fatal(err)
	}
	hashed := func(newHash func() (*slhdsa.PreHash, error), msg []byte) *slhdsa.Message {
		ph, err := newHash()
		if err != nil {
			t.Fatal(err)
		}
		ph.Write(msg)
		m, err := ph.BuildMessage()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	byHash := func(h crypto.Hash) func() (*slhdsa.PreHash, error) {
		return func() (*slhdsa.PreHash, error) { return slhdsa.NewPreHashWithHash(h) }
	}
	byXof := func(x xof.ID) func() (*slhdsa.PreHash, error) {
		return func() (*slhdsa.PreHash, error) { return slhdsa.NewPreHashWithXof(x) }
	}
	hashes := map[ck.MechanismType]func() (*slhdsa.PreHash, error){
		ck.CKM_HASH_SLH_DSA_SHA224: byHash(crypto.SHA224), ck.CKM_HASH_SLH_DSA_SHA256: byHash(crypto.SHA256),
		ck.CKM_HASH_SLH_DSA_SHA384: byHash(crypto.SHA384), ck.CKM_HASH_SLH_DSA_SHA512: byHash(crypto.SHA512),
		ck.CKM_HASH_SLH_DSA_SHA3_224: byHash(crypto.SHA3_224), ck.CKM_HASH_SLH_DSA_SHA3_256: byHash(crypto.SHA3_256),
		ck.CKM_HASH_SLH_DSA_SHA3_384: byHash(crypto.SHA3_384), ck.CKM_HASH_SLH_DSA_SHA3_512: byHash(crypto.SHA3_512),
		ck.CKM_HASH_SLH_DSA_SHAKE128: byXof(xof.SHAKE128), ck.CKM_HASH_SLH_DSA_SHAKE256: byXof(xof.SHAKE256),
	}
	if len(hashes) != len(slhdsaPreHashes) {
		t.Fatalf("%d HashSLH-DSA mechanisms registered, %d tested", len(slhdsaPreHashes), len(hashes))
	}
	msg := []byte("a message hashed before it is signed")
	ctx := []byte("ctx")
	for mt := range hashes {
		sig := signWith(t, mt, &priv, SignContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: ctx}, msg, 10)
		for other, otherHash := range hashes {
			if got := slhdsa.Verify(&pub, hashed(otherHash, msg), sig, ctx); got != (other == mt) {
				t.Errorf("%v: circl verifies its signature with %v's hash: %v", mt, other, got)
			}
		}
	}
}
