package mech

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// TestEdDSAVectors signs RFC 8032's test vectors through CKM_EDDSA:
// Ed25519 (section 7.1, TEST 1), Ed25519ph (7.3), Ed448 (7.4: blank, 1
// octet, 1 octet with context) and Ed448ph (7.5: abc, abc with context).
// Ed448 with no CK_EDDSA_PARAMS and with phFlag false and no context is
// the same scheme, Ed448 with an empty context.
func TestEdDSAVectors(t *testing.T) {
	m, err := Lookup(ck.CKM_EDDSA)
	if err != nil {
		t.Fatal(err)
	}
	ed448Seed1 := "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e"
	ed448Pub1 := "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480"
	ed448phSeed := "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49"
	ed448phPub := "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880"
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
		{"Ed448 Blank", "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
			"5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180", "",
			"533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
			EdDSAParams{}},
		{"Ed448 1 octet", ed448Seed1, ed448Pub1, "03",
			"26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00", nil},
		{"Ed448 1 octet (with context)", ed448Seed1, ed448Pub1, "03",
			"d4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00",
			EdDSAParams{Context: []byte("foo")}},
		{"Ed448ph TEST abc", ed448phSeed, ed448phPub, "616263",
			"822f6901f7480f3d5f562c592994d9693602875614483256505600bbc281ae381f54d6bce2ea911574932f52a4e6cadd78769375ec3ffd1b801a0d9b3f4030cd433964b6457ea39476511214f97469b57dd32dbc560a9a94d00bff07620464a3ad203df7dc7ce360c3cd3696d9d9fab90f00",
			EdDSAParams{Prehash: true}},
		{"Ed448ph TEST abc (with context)", ed448phSeed, ed448phPub, "616263",
			"c32299d46ec8ff02b54540982814dce9a05812f81962b649d528095916a2aa481065b1580423ef927ecf0af5888f90da0f6a9a85ad5dc3f280d91224ba9911a3653d00e484e2ce232521481c8658df304bb7745a73514cdb9bf3e15784ab71284f8d0704a608c54a6b62d97beb511d132100",
			EdDSAParams{Prehash: true, Context: []byte("foo")}},
	} {
		var priv crypto.Signer
		if strings.HasPrefix(c.name, "Ed448") {
			priv = ed448.NewKeyFromSeed(unhex(t, c.seed))
		} else {
			priv = ed25519.NewKeyFromSeed(unhex(t, c.seed))
		}
		_, pub, _ := object.OctetPublicKey(priv.Public())
		if got := hex.EncodeToString(pub); got != c.pub {
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
		v, _ = m.NewVerifier(priv.Public(), c.param)
		if err := v.Verify(append(unhex(t, c.msg), 0), sig); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%s: another message verifies: %v", c.name, err)
		}
	}
}

// TestEd448Circl: circl verifies the Ed448 and Ed448ph signatures the
// token makes, with the context they were made with and no other.
func TestEd448Circl(t *testing.T) {
	m, _ := Lookup(ck.CKM_EDDSA)
	pub, priv, _ := ed448.GenerateKey(nil)
	msg := []byte("message")
	for _, c := range []struct {
		param   Param
		ph      bool
		context string
	}{{nil, false, ""}, {EdDSAParams{}, false, ""}, {EdDSAParams{Context: []byte("ctx")}, false, "ctx"},
		{EdDSAParams{Prehash: true}, true, ""}, {EdDSAParams{Prehash: true, Context: []byte("ctx")}, true, "ctx"}} {
		s, err := m.NewSigner(priv, c.param)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		verify := ed448.Verify
		if c.ph {
			verify = ed448.VerifyPh
		}
		if !verify(pub, msg, sig, c.context) {
			t.Errorf("%v: circl does not verify the signature", c.param)
		}
		if verify(pub, msg, sig, c.context+"x") {
			t.Errorf("%v: circl verifies the signature under another context", c.param)
		}
	}
	v, _ := m.NewVerifier(pub, nil)
	if err := v.Verify(msg, make([]byte, 64)); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("a 64-byte signature for Ed448: %v", err)
	}
	if _, err := m.NewSigner(priv, EdDSAParams{Context: []byte(strings.Repeat("x", 256))}); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("a 256-byte context: %v", err)
	}
	if _, err := m.NewVerifier(priv, nil); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("verifying with a private key: %v", err)
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

// TestGenerateOctet makes key pairs on each name of each Edwards and
// Montgomery curve, whose halves match, and refuses the other family's
// curves and EC curves.
func TestGenerateOctet(t *testing.T) {
	for _, c := range []struct {
		mech   ck.MechanismType
		params [][]byte
		other  []byte
	}{
		{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, [][]byte{object.Ed25519Params, unhex(t, "130c656477617264733235353139"), object.Ed448Params,
			unhex(t, "130a65647761726473343438")}, object.X25519Params},
		{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, [][]byte{object.X25519Params, unhex(t, "130a63757276653235353139"), object.X448Params,
			unhex(t, "13086375727665343438")}, object.Ed448Params},
	} {
		m, err := Lookup(c.mech)
		if err != nil {
			t.Fatal(err)
		}
		if m.Info.MinKeySize != 255 || m.Info.MaxKeySize != 448 {
			t.Errorf("%v: key sizes %d..%d bits", c.mech, m.Info.MinKeySize, m.Info.MaxKeySize)
		}
		for _, params := range c.params {
			curve, ok := object.OctetCurveByParams(params)
			if !ok {
				t.Fatalf("%x names no curve", params)
			}
			pubT := object.Template{object.Bytes(ck.CKA_EC_PARAMS, params)}
			pubM, privM, err := m.GenerateKeyPair(nil, pubT, nil)
			if err != nil {
				t.Fatal(err)
			}
			pubObj, err := object.New(pubT, pubM, object.Origin{Generated: true})
			if err != nil {
				t.Fatal(err)
			}
			privObj, err := object.New(object.Template{object.Bool(ck.CKA_DERIVE, true)}, privM, object.Origin{Generated: true})
			if err != nil {
				t.Fatal(err)
			}
			priv := privObj.Key().(interface{ Public() crypto.PublicKey })
			got, _, _ := object.OctetPublicKey(pubObj.Key())
			if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pubObj.Key()) || got != curve || pubObj.KeyType() != curve.KeyType {
				t.Errorf("%s: the halves of the pair do not match", curve.Name)
			}
		}
		for _, params := range [][]byte{c.other, object.Curves[0].Params} {
			_, _, err := m.GenerateKeyPair(nil, object.Template{object.Bytes(ck.CKA_EC_PARAMS, params)}, nil)
			if ck.ToRV(err) != ck.CKR_CURVE_NOT_SUPPORTED {
				t.Errorf("%v with params %x: %v", c.mech, params, err)
			}
		}
	}
}

// TestEdDSAMultiPart: a message fed in parts signs as it does in one
// (Ed25519 signatures are deterministic), for Ed25519 and Ed25519ph.
func TestEdDSAMultiPart(t *testing.T) {
	m, _ := Lookup(ck.CKM_EDDSA)
	pub, priv, _ := ed25519.GenerateKey(nil)
	pub448, priv448, _ := ed448.GenerateKey(nil)
	msg := []byte(strings.Repeat("a long firmware image ", 300))
	for _, c := range []struct {
		priv, pub any
		p         Param
	}{{priv, pub, nil}, {priv, pub, EdDSAParams{Prehash: true}}, {priv, pub, EdDSAParams{Context: []byte("ctx")}},
		{priv448, pub448, nil}, {priv448, pub448, EdDSAParams{Prehash: true, Context: []byte("ctx")}}} {
		priv, pub, p := c.priv, c.pub, c.p
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
