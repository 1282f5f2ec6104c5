package mech

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// objectOf makes the key object C_CreateObject would make of key.
func objectOf(t *testing.T, key any) *object.Object {
	t.Helper()
	tmpl, err := pki.PrivateKeyTemplate(key)
	if err != nil {
		t.Fatal(err)
	}
	o, err := object.New(append(tmpl, object.Bool(ck.CKA_DERIVE, true)), nil, object.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestConcatKDF checks ANSI X9.63's KDF with NIST's CAVS vectors
// (SHA-1 and SHA-256, COUNT 0, no shared info) and with a longer output
// and shared info computed by OpenSSL 3's X963KDF, and NIST SP
// 800-56A's one-step KDF with outputs of OpenSSL 3's SSKDF.
func TestConcatKDF(t *testing.T) {
	const z = "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08"
	for _, c := range []struct {
		h               crypto.Hash
		sp800           bool
		z, shared, want string
	}{
		{crypto.SHA1, false, "1c7d7b5f0597b03d06a018466ed1a93e30ed4b04dc64ccdd", "", "bf71dffd8f4d99223936beb46fee8ccc"},
		{crypto.SHA256, false, z, "", "443024c3dae66b95e6f5670601558f71"},
		{crypto.SHA256, false, z, "de6a8f5e1b0b25d9", "d8af6ad78c26f3502a8205ef2c4a1f975c53781d24699b2c847317235d7609b631840a10bbf45c15"},
		{crypto.SHA1, true, "1c7d7b5f0597b03d06a018466ed1a93e30ed4b04dc64ccdd", "", "9504c0384af8df125d7e9bf5f8b900e9"},
		{crypto.SHA256, true, z, "de6a8f5e1b0b25d9", "508311a624346af418d144109e5dcdbb711693d847b67a7e2dfd1a8c98c66e531b4f7f99a396ac3c"},
		{crypto.SHA3_256, true, z, "de6a8f5e1b0b25d9",
			"c4d6a8c63280f45cd161f912ac0f67e31c2152d98cc559e94f8a97f0052c6bd40a2dcf4f2cc6b06dbeb65319ae50520f046b"},
	} {
		want := unhex(t, c.want)
		if got := concatKDF(c.h, c.sp800, unhex(t, c.z), unhex(t, c.shared), len(want)); !bytes.Equal(got, want) {
			t.Errorf("%v SP 800-56A %v %s: %x, want %s", c.h, c.sp800, c.shared, got, c.want)
		}
	}
}

// TestECDHDerive agrees with crypto/ecdh on the other side, on every
// curve, with the public key given raw and as CKA_EC_POINT's DER.
func TestECDHDerive(t *testing.T) {
	for _, c := range []struct {
		curve ecdh.Curve
		ec    elliptic.Curve
	}{{ecdh.P256(), elliptic.P256()}, {ecdh.P384(), elliptic.P384()}, {ecdh.P521(), elliptic.P521()}} {
		curve := c.curve
		priv, _ := ecdsa.GenerateKey(c.ec, rand.Reader)
		base := objectOf(t, priv)
		peer, _ := curve.GenerateKey(rand.Reader)
		mine, _ := priv.PublicKey.ECDH()
		want, err := peer.ECDH(mine)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := asn1.Marshal(peer.PublicKey().Bytes())
		for _, mt := range []ck.MechanismType{ck.CKM_ECDH1_DERIVE, ck.CKM_ECDH1_COFACTOR_DERIVE} {
			m, _ := Lookup(mt)
			for _, public := range [][]byte{peer.PublicKey().Bytes(), der} {
				got, err := m.Derive(base, ECDH1Params{KDF: ck.CKD_NULL, PublicData: public}, 0, nil)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%v %v: %x, %v; want %x", curve, mt, got, err, want)
				}
			}
			// The truncation removes bytes from the leading end.
			got, err := m.Derive(base, ECDH1Params{KDF: ck.CKD_NULL, PublicData: der}, 16, nil)
			if err != nil || !bytes.Equal(got, want[len(want)-16:]) {
				t.Errorf("%v %v truncated: %x, %v", curve, mt, got, err)
			}
			shared := []byte("shared info")
			got, err = m.Derive(base, ECDH1Params{KDF: ck.CKD_SHA384_KDF, SharedData: shared, PublicData: der}, 70, nil)
			if err != nil || !bytes.Equal(got, concatKDF(crypto.SHA384, false, want, shared, 70)) {
				t.Errorf("%v %v with CKD_SHA384_KDF: %x, %v", curve, mt, got, err)
			}
			got, err = m.Derive(base, ECDH1Params{KDF: ck.CKD_SHA3_256_KDF_SP800, SharedData: shared, PublicData: der}, 70, nil)
			if err != nil || !bytes.Equal(got, concatKDF(crypto.SHA3_256, true, want, shared, 70)) {
				t.Errorf("%v %v with CKD_SHA3_256_KDF_SP800: %x, %v", curve, mt, got, err)
			}
		}
	}
}

// TestECDHErrors checks the codes of parameters and lengths the
// derivation refuses.
func TestECDHErrors(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	base := objectOf(t, priv)
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	other, _ := ecdh.P384().GenerateKey(rand.Reader)
	public := peer.PublicKey().Bytes()
	m, _ := Lookup(ck.CKM_ECDH1_DERIVE)
	for _, c := range []struct {
		name  string
		param Param
		n     int
		want  ck.RV
	}{
		{"no parameter", nil, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CKD_NULL with shared data", ECDH1Params{KDF: ck.CKD_NULL, SharedData: []byte{1}, PublicData: public}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown KDF", ECDH1Params{KDF: ck.CKD_SHA1_KDF_ASN1, PublicData: public}, 16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"BLAKE2b KDF", ECDH1Params{KDF: 0x18, PublicData: public}, 16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"KDF without a length", ECDH1Params{KDF: ck.CKD_SHA256_KDF, PublicData: public}, 0, ck.CKR_TEMPLATE_INCOMPLETE},
		{"longer than the secret", ECDH1Params{KDF: ck.CKD_NULL, PublicData: public}, 33, ck.CKR_TEMPLATE_INCONSISTENT},
		{"point of another curve", ECDH1Params{KDF: ck.CKD_NULL, PublicData: other.PublicKey().Bytes()}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"point off the curve", ECDH1Params{KDF: ck.CKD_NULL, PublicData: append([]byte{4}, make([]byte, 64)...)}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no point", ECDH1Params{KDF: ck.CKD_NULL}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		if _, err := m.Derive(base, c.param, c.n, nil); ck.ToRV(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestECDHMontgomery derives RFC 7748's shared secrets (section 6.1,
// X25519, and 6.2, X448) with Alice's private key and Bob's public key,
// given bare and as a DER OCTET STRING, and refuses a point of small
// order.
func TestECDHMontgomery(t *testing.T) {
	m, _ := Lookup(ck.CKM_ECDH1_DERIVE)
	for _, c := range []struct {
		name               string
		params             []byte
		alice, bob, shared string
	}{
		{"X25519", object.X25519Params, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
		{"X448", object.X448Params, "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
			"3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
			"07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
	} {
		base, err := object.New(object.Template{
			object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC_MONTGOMERY)),
			object.Bytes(ck.CKA_EC_PARAMS, c.params), object.Bytes(ck.CKA_VALUE, unhex(t, c.alice)), object.Bool(ck.CKA_DERIVE, true),
		}, nil, object.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		bob := unhex(t, c.bob)
		der, _ := asn1.Marshal(bob)
		for _, public := range [][]byte{bob, der} {
			got, err := m.Derive(base, ECDH1Params{KDF: ck.CKD_NULL, PublicData: public}, 0, nil)
			if err != nil || hex.EncodeToString(got) != c.shared {
				t.Errorf("%s: %x, %v; want %s", c.name, got, err, c.shared)
			}
		}
		if _, err := m.Derive(base, ECDH1Params{KDF: ck.CKD_NULL, PublicData: make([]byte, len(bob))}, 0, nil); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%s with the point of order 1: %v", c.name, err)
		}
		if _, err := m.Derive(base, ECDH1Params{KDF: ck.CKD_NULL, PublicData: bob[1:]}, 0, nil); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%s with a short public key: %v", c.name, err)
		}
	}
	if cofactor, _ := Lookup(ck.CKM_ECDH1_COFACTOR_DERIVE); cofactor.Accepts(ck.CKK_EC_MONTGOMERY) {
		t.Error("CKM_ECDH1_COFACTOR_DERIVE takes Montgomery keys, which the specification does not list")
	}
}
