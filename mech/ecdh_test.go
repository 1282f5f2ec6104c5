package mech

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
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

// TestX963KDF checks the KDF with NIST's CAVS vectors for ANSI X9.63
// (SHA-1 and SHA-256, COUNT 0, no shared info) and with a longer output
// and shared info computed by OpenSSL 3's X963KDF.
func TestX963KDF(t *testing.T) {
	for _, c := range []struct {
		h               crypto.Hash
		z, shared, want string
	}{
		{crypto.SHA1, "1c7d7b5f0597b03d06a018466ed1a93e30ed4b04dc64ccdd", "", "bf71dffd8f4d99223936beb46fee8ccc"},
		{crypto.SHA256, "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", "", "443024c3dae66b95e6f5670601558f71"},
		{crypto.SHA256, "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", "de6a8f5e1b0b25d9",
			"d8af6ad78c26f3502a8205ef2c4a1f975c53781d24699b2c847317235d7609b631840a10bbf45c15"},
	} {
		want := unhex(t, c.want)
		if got := x963KDF(c.h, unhex(t, c.z), unhex(t, c.shared), len(want)); !bytes.Equal(got, want) {
			t.Errorf("%v %s: %x, want %s", c.h, c.shared, got, c.want)
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
			if err != nil || !bytes.Equal(got, x963KDF(crypto.SHA384, want, shared, 70)) {
				t.Errorf("%v %v with CKD_SHA384_KDF: %x, %v", curve, mt, got, err)
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
