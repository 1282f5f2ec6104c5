package token

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// ecdhPeer is the other party of an ECDH with the EC key pub of the
// token: its public key, and the secret it computes.
func ecdhPeer(t *testing.T, m *Module, h ck.SessionHandle, pub ck.ObjectHandle) (public, secret []byte) {
	t.Helper()
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	point, err := object.ParseECPoint(object.Curves[0].Params, attr(t, m, h, pub, ck.CKA_EC_POINT))
	must(t, err)
	mine, err := point.ECDH()
	must(t, err)
	secret, err = peer.ECDH(mine)
	must(t, err)
	return peer.PublicKey().Bytes(), secret
}

// TestDeriveKeyAttributes derives keys from an EC key pair the token
// generated and from one it imported, and checks the attributes the
// specification gives derived keys.
func TestDeriveKeyAttributes(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "derive"))
	pt, st := ecGenTemplates("gen", false)
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pt, append(st, object.Bool(ck.CKA_DERIVE, true)))
	must(t, err)
	public, secret := ecdhPeer(t, m, h, pub)
	ecdh1 := Mechanism{Type: ck.CKM_ECDH1_DERIVE, Param: mech.ECDH1Params{KDF: ck.CKD_NULL, PublicData: public}}
	for _, c := range []struct {
		name                    string
		sensitive, extractable  bool
		alwaysSens, neverExtrac bool
	}{
		{"sensitive, not extractable", true, false, true, true},
		{"sensitive, extractable", true, true, true, false},
		{"not sensitive, extractable", false, true, false, false},
	} {
		k, err := m.DeriveKey(h, ecdh1, priv, object.Template{
			class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)),
			object.Bool(ck.CKA_SENSITIVE, c.sensitive), object.Bool(ck.CKA_EXTRACTABLE, c.extractable),
		})
		must(t, err)
		for _, a := range []struct {
			typ  ck.AttributeType
			want bool
		}{{ck.CKA_LOCAL, false}, {ck.CKA_ALWAYS_SENSITIVE, c.alwaysSens}, {ck.CKA_NEVER_EXTRACTABLE, c.neverExtrac}} {
			if got := attr(t, m, h, k, a.typ); !bytes.Equal(got, []byte{b2u(a.want)}) {
				t.Errorf("%s: %v = %x, want %v", c.name, a.typ, got, a.want)
			}
		}
		if got := attr(t, m, h, k, ck.CKA_KEY_GEN_MECHANISM); !bytes.Equal(got, object.EncodeULong(ck.CK_UNAVAILABLE_INFORMATION)) {
			t.Errorf("%s: CKA_KEY_GEN_MECHANISM %x", c.name, got)
		}
		if !c.sensitive && c.extractable {
			if got := attr(t, m, h, k, ck.CKA_VALUE); !bytes.Equal(got, secret) {
				t.Errorf("%s: CKA_VALUE %x, want the shared secret %x", c.name, got, secret)
			}
		}
	}

	// An imported base key was never always sensitive: nor is what comes from it.
	imported, err := m.CreateObject(h, append(ecImportTemplate(newECKey(t), "imported"), object.Bool(ck.CKA_DERIVE, true)))
	must(t, err)
	k, err := m.DeriveKey(h, ecdh1, imported, object.Template{object.ULong(ck.CKA_VALUE_LEN, 16), object.Bool(ck.CKA_SENSITIVE, true)})
	must(t, err)
	if got := attr(t, m, h, k, ck.CKA_ALWAYS_SENSITIVE); got[0] != 0 {
		t.Error("a key derived from an imported key is CKA_ALWAYS_SENSITIVE")
	}
	if got := attr(t, m, h, k, ck.CKA_KEY_TYPE); !bytes.Equal(got, object.EncodeULong(uint(ck.CKK_GENERIC_SECRET))) {
		t.Errorf("no CKA_KEY_TYPE gives a %x key, want a generic secret", got)
	}
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// TestDeriveKeyRefusals checks what C_DeriveKey refuses and that it
// creates nothing then.
func TestDeriveKeyRefusals(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "derive"))
	pub, noDerive := genEC(t, m, h, "no-derive", false)
	pt, st := ecGenTemplates("derive", false)
	forced, err := object.EncodeTemplate(object.Template{object.Bool(ck.CKA_EXTRACTABLE, false)})
	must(t, err)
	_, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pt,
		append(st, object.Bool(ck.CKA_DERIVE, true), object.Bytes(ck.CKA_DERIVE_TEMPLATE, forced)))
	must(t, err)
	public, _ := ecdhPeer(t, m, h, pub)
	ecdh1 := Mechanism{Type: ck.CKM_ECDH1_DERIVE, Param: mech.ECDH1Params{KDF: ck.CKD_NULL, PublicData: public}}
	derivePub, _, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, append(pt, object.Bool(ck.CKA_DERIVE, true)), st)
	must(t, err)
	aes, err := m.GenerateKey(h, Mechanism{Type: ck.CKM_AES_KEY_GEN}, object.Template{object.ULong(ck.CKA_VALUE_LEN, 16), object.Bool(ck.CKA_DERIVE, true)})
	must(t, err)
	generic, err := m.GenerateKey(h, Mechanism{Type: ck.CKM_GENERIC_SECRET_KEY_GEN}, object.Template{object.ULong(ck.CKA_VALUE_LEN, 32), object.Bool(ck.CKA_DERIVE, true)})
	must(t, err)
	before := len(find(t, m, h, nil))
	for _, c := range []struct {
		name string
		mc   Mechanism
		base ck.ObjectHandle
		tmpl object.Template
		want ck.RV
	}{
		{"base without CKA_DERIVE", ecdh1, noDerive, nil, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"public key as base", ecdh1, pub, nil, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"public key with CKA_DERIVE as base", ecdh1, derivePub, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"AES key as base", ecdh1, aes, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"no base", ecdh1, 0x7777, nil, ck.CKR_KEY_HANDLE_INVALID},
		{"not a derivation", Mechanism{Type: ck.CKM_ECDSA}, priv, nil, ck.CKR_MECHANISM_INVALID},
		{"template gives the value", ecdh1, priv, object.Template{object.Bytes(ck.CKA_VALUE, make([]byte, 32))}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"template contradicts CKA_DERIVE_TEMPLATE", ecdh1, priv, object.Template{object.Bool(ck.CKA_EXTRACTABLE, true)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"a private key", ecdh1, priv, object.Template{class(ck.CKO_PRIVATE_KEY)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES of 32 bytes cut to 20", ecdh1, priv, object.Template{object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)), object.ULong(ck.CKA_VALUE_LEN, 20)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"zero length", ecdh1, priv, object.Template{object.ULong(ck.CKA_VALUE_LEN, 0)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"HKDF salt key out of sight", Mechanism{Type: ck.CKM_HKDF_DERIVE, Param: mech.HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: 0x7777}}, generic, nil, ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		_, err := m.DeriveKey(h, c.mc, c.base, c.tmpl)
		wantRV(t, c.name, err, c.want)
	}
	if after := len(find(t, m, h, nil)); after != before {
		t.Errorf("refused derivations left %d objects", after-before)
	}
	k, err := m.DeriveKey(h, ecdh1, priv, nil)
	must(t, err)
	if got := attr(t, m, h, k, ck.CKA_EXTRACTABLE); got[0] != 0 {
		t.Error("CKA_DERIVE_TEMPLATE's CKA_EXTRACTABLE false was not applied")
	}
}

// TestHKDFData derives a data object from an HKDF key, whose CKA_VALUE
// is the output RFC 5869's test case 1 gives.
func TestHKDFData(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "hkdf"))
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	base, err := m.CreateObject(h, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_HKDF)),
		object.Bytes(ck.CKA_VALUE, ikm), object.Bool(ck.CKA_DERIVE, true)})
	must(t, err)
	salt, info := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9}
	mc := Mechanism{Type: ck.CKM_HKDF_DATA, Param: mech.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: salt, Info: info}}
	d, err := m.DeriveKey(h, mc, base, object.Template{object.ULong(ck.CKA_VALUE_LEN, 42), object.String(ck.CKA_LABEL, "okm")})
	must(t, err)
	if got := attr(t, m, h, d, ck.CKA_CLASS); !bytes.Equal(got, object.EncodeULong(uint(ck.CKO_DATA))) {
		t.Fatalf("CKM_HKDF_DATA made a %x", got)
	}
	want := []byte{0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a}
	if got := attr(t, m, h, d, ck.CKA_VALUE); len(got) != 42 || !bytes.Equal(got[:8], want) {
		t.Errorf("CKA_VALUE %x", got)
	}
	_, err = m.DeriveKey(h, mc, base, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_VALUE_LEN, 42)})
	wantRV(t, "CKM_HKDF_DATA making a secret key", err, ck.CKR_TEMPLATE_INCONSISTENT)
}

// TestDeriveKeyPolicy checks who may derive from what: sessions, logins,
// CKA_ALLOWED_MECHANISMS and CKA_DERIVE of the base and of the salt key,
// the visibility of both, and a template that would test a guess of the
// derived value.
func TestDeriveKeyPolicy(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "policy")
	h := userSession(t, m, slot)
	ro := mustOpen(t, m, slot, false)
	secretKey := func(v []byte, derive bool, extra ...object.Attribute) ck.ObjectHandle {
		t.Helper()
		k, err := m.CreateObject(h, append(object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)),
			object.Bytes(ck.CKA_VALUE, v), object.Bool(ck.CKA_DERIVE, derive), object.Bool(ck.CKA_EXTRACTABLE, true), object.Bool(ck.CKA_SENSITIVE, false)}, extra...))
		must(t, err)
		return k
	}
	allowed := object.Bytes(ck.CKA_ALLOWED_MECHANISMS, object.EncodeULong(uint(ck.CKM_AES_CBC)))
	ikm := bytes.Repeat([]byte{7}, 32)
	base := secretKey(ikm, true, object.Bool(ck.CKA_PRIVATE, false))
	salt := secretKey([]byte("salt"), true)
	saltNoDerive := secretKey([]byte("salt"), false)
	saltNotAllowed := secretKey([]byte("salt"), true, allowed)
	baseNotAllowed := secretKey(ikm, true, allowed)
	privateBase := secretKey(ikm, true)
	hkdfWith := func(saltKey ck.ObjectHandle) Mechanism {
		return Mechanism{Type: ck.CKM_HKDF_DERIVE, Param: mech.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: saltKey}}
	}
	public := object.Template{object.ULong(ck.CKA_VALUE_LEN, 32), object.Bool(ck.CKA_PRIVATE, false), object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)}
	for _, c := range []struct {
		name string
		h    ck.SessionHandle
		mc   Mechanism
		base ck.ObjectHandle
		tmpl object.Template
		want ck.RV
	}{
		{"salt key without CKA_DERIVE", h, hkdfWith(saltNoDerive), base, public, ck.CKR_MECHANISM_PARAM_INVALID},
		{"salt key that does not allow HKDF", h, hkdfWith(saltNotAllowed), base, public, ck.CKR_MECHANISM_PARAM_INVALID},
		{"base that does not allow HKDF", h, hkdfWith(salt), baseNotAllowed, public, ck.CKR_MECHANISM_INVALID},
		{"token key from a read-only session", ro, hkdfWith(salt), base, append(public, object.Bool(ck.CKA_TOKEN, true)), ck.CKR_SESSION_READ_ONLY},
	} {
		_, err := m.DeriveKey(c.h, c.mc, c.base, c.tmpl)
		wantRV(t, c.name, err, c.want)
	}

	// A template that gives the value would tell whether a guess of it is right.
	k, err := m.DeriveKey(h, hkdfWith(salt), base, public)
	must(t, err)
	guess := attr(t, m, h, k, ck.CKA_VALUE)
	_, err = m.DeriveKey(h, hkdfWith(salt), base, append(public, object.Bytes(ck.CKA_VALUE, guess)))
	wantRV(t, "a template giving the derived value", err, ck.CKR_TEMPLATE_INCONSISTENT)

	// CKM_HKDF_DATA from a data object: its output is private unless the template says otherwise.
	data, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bytes(ck.CKA_VALUE, ikm)})
	must(t, err)
	hkdfData := hkdfWith(salt)
	hkdfData.Type = ck.CKM_HKDF_DATA
	d, err := m.DeriveKey(h, hkdfData, data, object.Template{object.ULong(ck.CKA_VALUE_LEN, 32)})
	must(t, err)
	if got := attr(t, m, h, d, ck.CKA_PRIVATE); got[0] != 1 {
		t.Error("a derived data object is not CKA_PRIVATE by default")
	}
	if got := attr(t, m, h, d, ck.CKA_VALUE); !bytes.Equal(got, guess) {
		t.Errorf("from a data object: %x; from a key of the same value: %x", got, guess)
	}

	must(t, m.Logout(h))
	_, err = m.DeriveKey(h, hkdfWith(salt), base, public)
	wantRV(t, "a private salt key, logged out", err, ck.CKR_MECHANISM_PARAM_INVALID)
	_, err = m.DeriveKey(h, hkdfWith(salt), privateBase, public)
	wantRV(t, "a private base, logged out", err, ck.CKR_KEY_HANDLE_INVALID)
	_, err = m.DeriveKey(h, Mechanism{Type: ck.CKM_HKDF_DERIVE, Param: mech.HKDFParams{Expand: true, PRF: ck.CKM_SHA256}}, base, object.Template{object.ULong(ck.CKA_VALUE_LEN, 32)})
	wantRV(t, "a private key, logged out", err, ck.CKR_USER_NOT_LOGGED_IN)
}
