package mech

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// TestEdDSAVectors signs RFC 8032's test vectors for Ed25519 (section
// 7.1, TEST 1) and Ed25519ph (section 7.3) through CKM_EDDSA.
func TestEdDSAVectors(t *testing.T) {
	m, err := Lookup(ck.CKM_EDDSA)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name                 string
		seed, pub, msg, want string
		param                Param
	}{
		{"Ed25519 TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", nil},
		{"Ed25519ph TEST abc", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
			"ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", "616263",
			"98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
			EdDSAParams{Prehash: true}},
	} {
		priv := ed25519.NewKeyFromSeed(unhex(t, c.seed))
		if got := hex.EncodeToString(priv.Public().(ed25519.PublicKey)); got != c.pub {
			t.Fatalf("%s: public key %s", c.name, got)
		}
		s, err := m.NewSigner(priv, c.param)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(unhex(t, c.msg))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(sig); got != c.want {
			t.Errorf("%s: signature %s, want %s", c.name, got, c.want)
		}
		v, err := m.NewVerifier(priv.Public(), c.param)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(unhex(t, c.msg), sig); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestEdDSAContext checks Ed25519ctx and Ed25519ph with a context against
// Go's crypto/ed25519, and the parameter errors.
func TestEdDSAContext(t *testing.T) {
	m, _ := Lookup(ck.CKM_EDDSA)
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("message")
	sign := func(p Param) []byte {
		t.Helper()
		s, err := m.NewSigner(priv, p)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	if err := ed25519.VerifyWithOptions(pub, msg, sign(EdDSAParams{Context: []byte("foo")}), &ed25519.Options{Context: "foo"}); err != nil {
		t.Errorf("Ed25519ctx: %v", err)
	}
	sum := sha512.Sum512(msg)
	if err := ed25519.VerifyWithOptions(pub, sum[:], sign(EdDSAParams{Prehash: true, Context: []byte("foo")}),
		&ed25519.Options{Hash: crypto.SHA512, Context: "foo"}); err != nil {
		t.Errorf("Ed25519ph with a context: %v", err)
	}
	// No prehash and no context is Ed25519 itself.
	if !ed25519.Verify(pub, msg, sign(EdDSAParams{})) {
		t.Error("CK_EDDSA_PARAMS without prehash or context is not Ed25519")
	}
	if _, err := m.NewSigner(priv, EdDSAParams{Context: []byte(strings.Repeat("x", 256))}); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("a 256-byte context: %v", err)
	}
	v, _ := m.NewVerifier(pub, nil)
	if err := v.Verify(msg, make([]byte, 63)); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("a 63-byte signature: %v", err)
	}
	keys()
	if _, err := m.NewSigner(ecKey, nil); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("an EC key: %v", err)
	}
}

// TestGenerateEdwards makes a key pair on each name of Ed25519 and
// refuses other curves.
func TestGenerateEdwards(t *testing.T) {
	m, _ := Lookup(ck.CKM_EC_EDWARDS_KEY_PAIR_GEN)
	for _, params := range [][]byte{object.Ed25519Params, unhex(t, "130c656477617264733235353139")} {
		pubT := object.Template{object.Bytes(ck.CKA_EC_PARAMS, params)}
		pubM, privM, err := m.GenerateKeyPair(nil, pubT, nil)
		if err != nil {
			t.Fatal(err)
		}
		pubObj, err := object.New(pubT, pubM, object.Origin{Generated: true})
		if err != nil {
			t.Fatal(err)
		}
		privObj, err := object.New(object.Template{object.Bool(ck.CKA_SIGN, true)}, privM, object.Origin{Generated: true})
		if err != nil {
			t.Fatal(err)
		}
		priv, pub := privObj.Key().(ed25519.PrivateKey), pubObj.Key().(ed25519.PublicKey)
		if !pub.Equal(priv.Public()) {
			t.Error("the halves of the pair do not match")
		}
	}
	_, _, err := m.GenerateKeyPair(nil, object.Template{object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params)}, nil)
	if ck.ToRV(err) != ck.CKR_CURVE_NOT_SUPPORTED {
		t.Errorf("P-256 params: %v", err)
	}
}

// TestEdDSAMultiPart: a message fed in parts signs as it does in one
// (Ed25519 signatures are deterministic), for Ed25519 and Ed25519ph.
func TestEdDSAMultiPart(t *testing.T) {
	m, _ := Lookup(ck.CKM_EDDSA)
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte(strings.Repeat("a long firmware image ", 300))
	for _, p := range []Param{nil, EdDSAParams{Prehash: true}, EdDSAParams{Context: []byte("ctx")}} {
		one, _ := m.NewSigner(priv, p)
		want, err := one.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		parts, _ := m.NewSigner(priv, p)
		for i := 0; i < len(msg); i += 1025 {
			if err := parts.Update(msg[i:min(i+1025, len(msg))]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := parts.Sign(nil)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != hex.EncodeToString(want) {
			t.Errorf("%v: the multi-part signature differs from the single-part one", p)
		}
		v, _ := m.NewVerifier(pub, p)
		v.Update(msg[:100])
		if err := v.Verify(msg[100:], got); err != nil {
			t.Errorf("%v: multi-part verification: %v", p, err)
		}
	}
}
